package io.cdcsentinel.metrics;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.LongSupplier;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;

/**
 * Issue 16's failure policy for a stream thread that dies of an unexpected error (bad input never gets that far:
 * it is dead-lettered): replace it, at most {@code max} times within {@code window}; the next death shuts the
 * Kafka Streams client down ({@code SHUTDOWN_CLIENT}: this instance only, the others keep their partitions), the
 * command sees the ERROR state and exits non-zero, and the orchestrator restarts the process. A thread that keeps
 * crashing on the same record would otherwise be replaced forever, with the partition stuck and the process
 * reporting itself alive.
 */
public final class ThreadReplacementPolicy {
    private final int max;
    private final long windowMs;
    private final LongSupplier clock;
    private final Deque<Long> replacements = new ArrayDeque<>();

    public ThreadReplacementPolicy(int max, Duration window, LongSupplier clock) {
        this.max = max;
        this.windowMs = window.toMillis();
        this.clock = clock;
    }

    /** The response to one more dead thread. */
    public synchronized StreamThreadExceptionResponse onThreadDeath() {
        long now = clock.getAsLong();
        while (!replacements.isEmpty() && replacements.peekFirst() <= now - windowMs) {
            replacements.removeFirst();
        }
        if (replacements.size() >= max) {
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        }
        replacements.addLast(now);
        return StreamThreadExceptionResponse.REPLACE_THREAD;
    }
}
