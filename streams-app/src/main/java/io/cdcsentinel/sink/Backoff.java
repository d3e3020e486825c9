package io.cdcsentinel.sink;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with jitter: before retry {@code n} (1-based) wait {@code min(max, base * 2^(n-1))},
 * scaled by a random factor in [0.8, 1.2] so that several sink instances do not hammer a recovering
 * server in step.
 */
public final class Backoff {
    private final Duration base;
    private final Duration max;
    private final DoubleSupplier random;

    public Backoff(Duration base, Duration max, DoubleSupplier random) {
        this.base = base;
        this.max = max;
        this.random = random;
    }

    public Backoff(Duration base, Duration max) {
        this(base, max, Math::random);
    }

    /** The wait before retry {@code retry} (1 = the first retry). */
    public Duration delay(int retry) {
        long baseMs = base.toMillis();
        long maxMs = max.toMillis();
        int shift = Math.min(Math.max(retry - 1, 0), 30);
        long exp = baseMs > (Long.MAX_VALUE >> shift) ? maxMs : Math.min(maxMs, baseMs << shift);
        double factor = 0.8 + 0.4 * random.getAsDouble();
        return Duration.ofMillis(Math.max(1, Math.round(exp * factor)));
    }
}
