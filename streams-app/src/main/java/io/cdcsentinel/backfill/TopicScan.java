package io.cdcsentinel.backfill;

import io.cdcsentinel.config.KafkaSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a topic from its beginning to the last stable offsets captured when the scan starts, read_committed, without
 * a consumer group (nothing is committed): the state of a compacted output topic at that moment. A record that cannot
 * be decoded is logged with its position and skipped (counted in {@link #undecodable}), never fatal.
 */
final class TopicScan {
    private static final Logger LOG = LoggerFactory.getLogger(TopicScan.class);

    private long undecodable;

    long undecodable() {
        return undecodable;
    }

    /** Calls {@code each} with every decoded record (value null for a tombstone), partition by partition in offset order. */
    <K, V> void scan(KafkaSettings kafka, String topic, Deserializer<K> keys, Deserializer<V> values, BiConsumer<K, V> each) {
        Map<String, Object> config = kafka.clientConfig();
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "sentinel-backfill-scan-" + UUID.randomUUID());
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config,
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions));
            end.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
            while (!end.isEmpty()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    Long stop = end.get(tp);
                    if (stop == null || r.offset() >= stop) {
                        continue;
                    }
                    K key;
                    V value;
                    try {
                        key = keys.deserialize(topic, r.headers(), r.key());
                        value = r.value() == null ? null : values.deserialize(topic, r.headers(), r.value());
                    } catch (RuntimeException e) {
                        undecodable++;
                        LOG.warn("cannot decode {}-{} offset {}: {} (skipped)", r.topic(), r.partition(), r.offset(), e.toString());
                        continue;
                    }
                    each.accept(key, value);
                }
                end.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
            }
        }
    }
}
