package io.cdcsentinel.backfill;

import io.cdcsentinel.config.KafkaSettings;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The Kafka positions a backfill works with, through one {@link Admin} client: partitions, log start and end offsets
 * (last stable offsets, read_committed), the committed offsets of a consumer group, and the timestamp of a partition's
 * first or last record. Offsets travel as {@code "topic-partition" -> offset} maps, the form the state file and the
 * report keep.
 */
final class KafkaPositions implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final KafkaSettings kafka;
    private final Admin admin;

    KafkaPositions(KafkaSettings kafka) {
        this.kafka = kafka;
        Map<String, Object> config = kafka.clientConfig();
        config.put("default.api.timeout.ms", (int) TIMEOUT.toMillis());
        config.put("request.timeout.ms", 15_000);
        this.admin = Admin.create(config);
    }

    /** The partitions of {@code topics}; a topic that does not exist is left out. */
    List<TopicPartition> partitions(Collection<String> topics) {
        List<TopicPartition> result = new java.util.ArrayList<>();
        for (String topic : topics) {
            try {
                TopicDescription d = get(admin.describeTopics(List.of(topic)).allTopicNames()).get(topic);
                d.partitions().forEach(p -> result.add(new TopicPartition(topic, p.partition())));
            } catch (IllegalStateException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
            }
        }
        return result;
    }

    Map<String, Long> earliest(Collection<TopicPartition> partitions) {
        return offsets(partitions, OffsetSpec.earliest());
    }

    /** Last stable offsets: the end of what a read_committed consumer can read. */
    Map<String, Long> latest(Collection<TopicPartition> partitions) {
        return offsets(partitions, OffsetSpec.latest());
    }

    private Map<String, Long> offsets(Collection<TopicPartition> partitions, OffsetSpec spec) {
        if (partitions.isEmpty()) {
            return new TreeMap<>();
        }
        Map<TopicPartition, OffsetSpec> request = partitions.stream().collect(Collectors.toMap(tp -> tp, tp -> spec));
        var result = get(admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all());
        Map<String, Long> offsets = new TreeMap<>();
        result.forEach((tp, info) -> offsets.put(name(tp), info.offset()));
        return offsets;
    }

    /** The group's committed offsets; empty when the group has committed nothing. */
    Map<String, Long> committed(String group) {
        Map<TopicPartition, OffsetAndMetadata> committed = get(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata());
        Map<String, Long> offsets = new TreeMap<>();
        committed.forEach((tp, om) -> {
            if (om != null) {
                offsets.put(name(tp), om.offset());
            }
        });
        return offsets;
    }

    /** Commits {@code offsets} for {@code group} (which must have no active member): where a new application starts. */
    void commit(String group, Map<String, Long> offsets) {
        Map<TopicPartition, OffsetAndMetadata> request = new HashMap<>();
        offsets.forEach((tp, offset) -> request.put(parse(tp), new OffsetAndMetadata(offset)));
        get(admin.alterConsumerGroupOffsets(group, request).all());
    }

    /**
     * The timestamp of the record at {@code offset} of each partition (the first record at or after it), read
     * read_committed; partitions with no record there are left out.
     */
    Map<String, Long> timestampsAt(Map<String, Long> offsets) {
        Map<String, Long> result = new TreeMap<>();
        if (offsets.isEmpty()) {
            return result;
        }
        Map<String, Object> config = kafka.clientConfig();
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            for (var e : offsets.entrySet()) {
                TopicPartition tp = parse(e.getKey());
                consumer.assign(List.of(tp));
                consumer.seek(tp, e.getValue());
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (System.nanoTime() < deadline) {
                    var records = consumer.poll(Duration.ofMillis(200)).records(tp);
                    if (!records.isEmpty()) {
                        ConsumerRecord<byte[], byte[]> first = records.get(0);
                        result.put(e.getKey(), first.timestamp());
                        break;
                    }
                    if (consumer.position(tp) >= consumer.endOffsets(List.of(tp)).get(tp)) {
                        break;
                    }
                }
            }
        }
        return result;
    }

    static String name(TopicPartition tp) {
        return tp.topic() + "-" + tp.partition();
    }

    static TopicPartition parse(String name) {
        int dash = name.lastIndexOf('-');
        return new TopicPartition(name.substring(0, dash), Integer.parseInt(name.substring(dash + 1)));
    }

    static String topicOf(String name) {
        return name.substring(0, name.lastIndexOf('-'));
    }

    private static <T> T get(org.apache.kafka.common.KafkaFuture<T> future) {
        try {
            return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Kafka did not answer within " + TIMEOUT + " (check kafka.bootstrap)", e);
        }
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }
}
