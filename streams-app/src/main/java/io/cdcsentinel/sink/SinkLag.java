package io.cdcsentinel.sink;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

/**
 * How far the sink is behind the label topic, for {@code sentinel_sink_lag_records} and {@code _seconds}: records
 * not yet fetched (the consumer's own lag per assigned partition) plus records polled and not yet written, and the
 * age of the oldest record polled and not yet written (its record timestamp). Kept per poll chunk (first offset,
 * last offset, first timestamp), not per record; a chunk written in part counts whole, so both figures err on the
 * high side by at most one poll. Updated by the sink's thread, read by the scrape thread.
 */
final class SinkLag {
    private final Map<TopicPartition, ArrayDeque<long[]>> unwritten = new HashMap<>();
    private volatile long oldestMs = Long.MAX_VALUE;
    private volatile long unwrittenRecords;
    private volatile long unfetchedRecords;

    void polled(ConsumerRecords<byte[], byte[]> records) {
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> chunk = records.records(tp);
            if (!chunk.isEmpty()) {
                unwritten.computeIfAbsent(tp, k -> new ArrayDeque<>()).addLast(new long[] {chunk.get(0).offset(),
                        chunk.get(chunk.size() - 1).offset(), chunk.get(0).timestamp()});
            }
        }
        recompute();
    }

    /** Everything of {@code tp} before {@code nextOffset} is written (or dead-lettered). */
    void written(TopicPartition tp, long nextOffset) {
        ArrayDeque<long[]> chunks = unwritten.get(tp);
        if (chunks == null) {
            return;
        }
        while (!chunks.isEmpty() && chunks.peekFirst()[1] < nextOffset) {
            chunks.removeFirst();
        }
        if (!chunks.isEmpty() && chunks.peekFirst()[0] < nextOffset) {
            chunks.peekFirst()[0] = nextOffset;
        }
        recompute();
    }

    /** {@code tp} is no longer this sink's. */
    void forget(TopicPartition tp) {
        unwritten.remove(tp);
        recompute();
    }

    void clear() {
        unwritten.clear();
        recompute();
    }

    /** The consumer's lag: records of the assigned partitions not yet fetched. */
    void unfetched(long records) {
        unfetchedRecords = records;
    }

    long records() {
        return unfetchedRecords + unwrittenRecords;
    }

    /** Age in seconds at {@code nowMs} of the oldest record polled and not yet written; 0 when none waits. */
    double seconds(long nowMs) {
        long oldest = oldestMs;
        return oldest == Long.MAX_VALUE ? 0 : Math.max(0, nowMs - oldest) / 1000.0;
    }

    private void recompute() {
        long oldest = Long.MAX_VALUE;
        long count = 0;
        for (ArrayDeque<long[]> chunks : unwritten.values()) {
            for (long[] c : chunks) {
                count += c[1] - c[0] + 1;
            }
            if (!chunks.isEmpty()) {
                oldest = Math.min(oldest, chunks.peekFirst()[2]);
            }
        }
        unwrittenRecords = count;
        oldestMs = oldest;
    }
}
