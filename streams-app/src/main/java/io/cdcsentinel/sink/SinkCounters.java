package io.cdcsentinel.sink;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the sink has done since it started, counted by the parts that do it (polling, decoding, writing) and read
 * from any thread as a {@link SinkProgress}. Counters only grow.
 */
final class SinkCounters {
    final AtomicLong recordsConsumed = new AtomicLong();
    final AtomicLong rowsWritten = new AtomicLong();
    final AtomicLong batchesWritten = new AtomicLong();
    final AtomicLong tombstones = new AtomicLong();
    final AtomicLong superseded = new AtomicLong();
    final AtomicLong deadLettered = new AtomicLong();
    final AtomicLong retries = new AtomicLong();
    final AtomicLong mutations = new AtomicLong();
    /** Per partition, the offset of the last record handled (written, skipped or dead-lettered). */
    final Map<Integer, Long> lastOffsets = new ConcurrentHashMap<>();

    SinkProgress snapshot(ClickHouseSink.State state, Throwable failure) {
        return new SinkProgress(state, recordsConsumed.get(), rowsWritten.get(), batchesWritten.get(), tombstones.get(),
                superseded.get(), deadLettered.get(), retries.get(), mutations.get(), Map.copyOf(lastOffsets),
                failure == null ? null : String.valueOf(failure.getMessage()));
    }
}
