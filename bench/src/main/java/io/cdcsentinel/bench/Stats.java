package io.cdcsentinel.bench;

import java.time.Duration;
import java.util.List;

final class Stats {
    private Stats() {
    }

    /**
     * The shortest time: best of N. The first rounds run with a cold JIT and cold caches (a first round took three
     * times as long as the second here), so a median of two would mostly measure warm-up; both sides of a ratio are
     * treated the same way.
     */
    static Duration best(List<Duration> values) {
        return values.stream().min(Duration::compareTo).orElseThrow(() -> new IllegalArgumentException("no values"));
    }
}
