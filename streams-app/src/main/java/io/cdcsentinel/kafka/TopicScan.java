package io.cdcsentinel.kafka;

import io.cdcsentinel.config.KafkaSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bounded read of compacted output topics: from where the consumer stands up to end offsets captured before the
 * read, with {@code read_committed}, on assigned partitions and without committing anything. With
 * {@code read_committed} the end offsets are the last stable offsets, so the read sees what was committed at that
 * moment and an open transaction cannot make it wait.
 *
 * <p>{@link #readTo} is the loop, for a reader that owns its consumer ({@code alerts.AlertsView}); {@link #scan} opens
 * a consumer of its own for one topic, reads it from the beginning and decodes each record, logging an undecodable
 * one with its position and skipping it (counted in {@link #undecodable}), never fatal (the backfill's report, the
 * tests).
 */
public final class TopicScan {
    private static final Logger LOG = LoggerFactory.getLogger(TopicScan.class);

    private long undecodable;

    public long undecodable() {
        return undecodable;
    }

    /**
     * Reads {@code topic} from its beginning to its last stable offsets at the start of the scan and calls
     * {@code each} with every decoded record (value null for a tombstone), partition by partition in offset order.
     * Nothing is committed: the group id is a fresh one that no one else uses.
     */
    public <K, V> void scan(KafkaSettings kafka, String topic, Deserializer<K> keys, Deserializer<V> values, BiConsumer<K, V> each) {
        Map<String, Object> config = kafka.clientConfig();
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "sentinel-backfill-scan-" + UUID.randomUUID());
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            readTo(consumer, consumer.endOffsets(partitions), Duration.ofMillis(500), null, null, r -> {
                K key;
                V value;
                try {
                    key = keys.deserialize(topic, r.headers(), r.key());
                    value = r.value() == null ? null : values.deserialize(topic, r.headers(), r.value());
                } catch (RuntimeException e) {
                    undecodable++;
                    LOG.warn("cannot decode {}-{} offset {}: {} (skipped)", r.topic(), r.partition(), r.offset(), e.toString());
                    return;
                }
                each.accept(key, value);
            });
        }
    }

    /**
     * Polls {@code consumer} (every {@code poll} at the most) until its position in each partition of {@code ends}
     * has reached that partition's end offset, handing {@code each} every record below it; records at or past the
     * end, or of other partitions, are left out. The positions are read with the consumer's default API timeout.
     *
     * @param stall when no position has moved for this long, {@code stalled} is thrown; null waits as long as it takes
     */
    public static void readTo(org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer,
            Map<TopicPartition, Long> ends, Duration poll, Duration stall, Supplier<? extends RuntimeException> stalled,
            Consumer<ConsumerRecord<byte[], byte[]>> each) {
        Map<TopicPartition, Long> open = new HashMap<>(ends);
        open.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
        long positions = stall == null ? 0 : positions(consumer, ends);
        long lastProgress = System.nanoTime();
        while (!open.isEmpty()) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(poll)) {
                Long end = open.get(new TopicPartition(r.topic(), r.partition()));
                if (end != null && r.offset() < end) {
                    each.accept(r);
                }
            }
            open.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
            if (stall == null || open.isEmpty()) {
                continue;
            }
            long now = positions(consumer, ends);
            if (now != positions) {
                positions = now;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > stall.toNanos()) {
                throw stalled.get();
            }
        }
    }

    private static long positions(org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer,
            Map<TopicPartition, Long> ends) {
        long sum = 0;
        for (TopicPartition tp : ends.keySet()) {
            sum += consumer.position(tp);
        }
        return sum;
    }
}
