package io.cdcsentinel.sink;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The sink's batching: polled records wait here, per partition and in offset order, until they make a batch. A
 * batch is due as soon as {@code sink.batch.size} records of one partition wait, or once the oldest of fewer has
 * waited {@code sink.batch.linger}. Used by the consumer thread only; times are {@link System#nanoTime()}.
 */
final class PartitionBuffers {
    /** How long a poll may block when nothing waits: short while an INSERT runs, so that its end is seen soon. */
    static final Duration IDLE_POLL = Duration.ofMillis(200);
    static final Duration IDLE_POLL_WHILE_INSERTING = Duration.ofMillis(10);

    private final int batchSize;
    private final long lingerNanos;
    private final Map<TopicPartition, Buffer> buffers = new LinkedHashMap<>();

    PartitionBuffers(int batchSize, Duration linger) {
        this.batchSize = batchSize;
        this.lingerNanos = linger.toNanos();
    }

    void add(ConsumerRecord<byte[], byte[]> record, long now) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        buffers.computeIfAbsent(tp, k -> new Buffer()).add(record, now);
    }

    /** How long the next poll may block: until the first partial batch is due, at most {@link #IDLE_POLL}. */
    Duration pollTimeout(long now, boolean insertRunning) {
        long wait = (insertRunning ? IDLE_POLL_WHILE_INSERTING : IDLE_POLL).toNanos();
        for (Buffer b : buffers.values()) {
            if (!b.records.isEmpty()) {
                wait = Math.min(wait, Math.max(0, b.firstAddedNanos + lingerNanos - now));
            }
        }
        return Duration.ofNanos(wait);
    }

    /**
     * Hands every due batch to {@code write}, partition by partition: full batches as soon as they are full, the
     * rest once its oldest record has waited the linger. Each batch is taken out just before it is written, so
     * that what {@code write} does not get to (it throws) is still here.
     */
    void forEachDue(long now, BiConsumer<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> write) {
        for (Map.Entry<TopicPartition, Buffer> e : buffers.entrySet()) {
            Buffer b = e.getValue();
            while (b.records.size() >= batchSize) {
                write.accept(e.getKey(), b.take(batchSize, now));
            }
            if (!b.records.isEmpty() && now - b.firstAddedNanos >= lingerNanos) {
                write.accept(e.getKey(), b.take(b.records.size(), now));
            }
        }
    }

    /** Takes the next batch of {@code tp} (at most the batch size), due or not; empty when nothing waits. */
    List<ConsumerRecord<byte[], byte[]>> takeBatch(TopicPartition tp, long now) {
        Buffer b = buffers.get(tp);
        if (b == null || b.records.isEmpty()) {
            return List.of();
        }
        return b.take(Math.min(batchSize, b.records.size()), now);
    }

    /** The partitions that have (or had) a buffer, as a copy. */
    List<TopicPartition> partitions() {
        return new ArrayList<>(buffers.keySet());
    }

    /** Forgets {@code tp}'s buffer; returns how many records it still held. */
    int remove(TopicPartition tp) {
        Buffer dropped = buffers.remove(tp);
        return dropped == null ? 0 : dropped.records.size();
    }

    void clear() {
        buffers.clear();
    }

    /** Records of one partition, in offset order, waiting to be written. */
    private static final class Buffer {
        final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        long firstAddedNanos;

        void add(ConsumerRecord<byte[], byte[]> record, long now) {
            if (records.isEmpty()) {
                firstAddedNanos = now;
            }
            records.add(record);
        }

        /** Removes and returns the first {@code n} records; what stays counts as arrived {@code now}. */
        List<ConsumerRecord<byte[], byte[]>> take(int n, long now) {
            List<ConsumerRecord<byte[], byte[]>> head = new ArrayList<>(records.subList(0, n));
            records.subList(0, n).clear();
            firstAddedNanos = now;
            return head;
        }
    }
}
