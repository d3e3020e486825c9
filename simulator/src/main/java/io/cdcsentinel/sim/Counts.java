package io.cdcsentinel.sim;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Thread-safe tallies of {@link Count}s, added to by the writer threads as transactions commit. */
public final class Counts {
    private final LongAdder[] adders = new LongAdder[Count.values().length];

    public Counts() {
        for (int i = 0; i < adders.length; i++) {
            adders[i] = new LongAdder();
        }
    }

    public void add(Count count, long n) {
        adders[count.ordinal()].add(n);
    }

    public long get(Count count) {
        return adders[count.ordinal()].sum();
    }

    public Map<Count, Long> snapshot() {
        Map<Count, Long> m = new EnumMap<>(Count.class);
        for (Count c : Count.values()) {
            m.put(c, get(c));
        }
        return Collections.unmodifiableMap(m);
    }
}
