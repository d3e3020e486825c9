package io.cdcsentinel.alerts;

import io.cdcsentinel.avro.GapRate;
import io.cdcsentinel.avro.GapRateKey;
import io.cdcsentinel.avro.ScorecardGapEvent;
import io.cdcsentinel.avro.ScorecardGapKey;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.RegistrySettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.kafka.TopicScan;
import io.cdcsentinel.topology.AvroSerdes;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The alert topics read the way a consuming team reads them, folded into an {@link AlertState}.
 *
 * <p>Why it reads like this: the topologies write transactionally, so only {@code read_committed} sees exactly
 * the published alerts (an aborted attempt's OPENED must never show). The topics are compacted state, so every read
 * starts at the beginning (or, to follow, at the end) of every partition: partitions are assigned, not subscribed,
 * and there is no consumer group, so nothing is committed and an operator's look never moves anyone's offsets.
 * With {@code read_committed} the end offsets are the last stable offsets: {@link #readToEnd} stops at what was
 * committed when the view was opened, and an open transaction cannot make it wait (the loop is
 * {@link TopicScan#readTo}, which the backfill's scans share).
 *
 * <p>Records are decoded here, not in the consumer, so that one undecodable record is logged with its position,
 * counted and skipped instead of failing the poll. A registry that cannot be reached is not the record's fault:
 * that fails the read naming {@code registry.url}.
 */
public final class AlertsView implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AlertsView.class);

    /** Where each partition is read from. */
    public enum Start { BEGINNING, END }

    private final KafkaSettings kafka;
    private final RegistrySettings registry;
    private final TopicNames topics;
    private final Duration timeout;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Deserializer<ScorecardGapKey> gapKeys;
    private final Deserializer<ScorecardGapEvent> gapValues;
    private final Deserializer<GapRateKey> rateKeys;
    private final Deserializer<GapRate> rateValues;
    private final Map<TopicPartition, Long> endOffsets;
    private final AlertState state = new AlertState();
    private long records;
    private long undecodable;

    private AlertsView(KafkaSettings kafka, RegistrySettings registry, TopicNames topics, Duration timeout,
            KafkaConsumer<byte[], byte[]> consumer, Start start) {
        this.kafka = kafka;
        this.registry = registry;
        this.topics = topics;
        this.timeout = timeout;
        this.consumer = consumer;
        AvroSerdes avro = new AvroSerdes(registry);
        this.gapKeys = avro.forKeys(ScorecardGapKey.class).deserializer();
        this.gapValues = avro.forValues(ScorecardGapEvent.class).deserializer();
        this.rateKeys = avro.forKeys(GapRateKey.class).deserializer();
        this.rateValues = avro.forValues(GapRate.class).deserializer();
        List<TopicPartition> partitions = new ArrayList<>();
        partitions.addAll(partitions(topics.gaps(), TopicNames.GAPS.name()));
        partitions.addAll(partitions(topics.gapRates(), TopicNames.GAP_RATES.name()));
        consumer.assign(partitions);
        this.endOffsets = Map.copyOf(kafkaCall("reading the end offsets", () -> consumer.endOffsets(partitions, timeout)));
        if (start == Start.BEGINNING) {
            consumer.seekToBeginning(partitions);
        } else {
            consumer.seekToEnd(partitions);
            // seekToEnd is lazy: fix the positions now, so "from the end" means the end when the view opened, not
            // whenever the first poll happens to resolve it (a record committed in between would be skipped)
            partitions.forEach(tp -> kafkaCall("reading the position of " + tp, () -> consumer.position(tp, timeout)));
        }
    }

    /**
     * Opens both alert topics at {@code start}. {@code timeout} bounds every call to Kafka: an unreachable broker
     * fails here, within it, with a message naming {@code kafka.bootstrap}.
     */
    public static AlertsView open(KafkaSettings kafka, RegistrySettings registry, TopicNames topics, Start start,
            Duration timeout) {
        Map<String, Object> config = kafka.clientConfig();
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "sentinel-alerts");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // a look at a topic that does not exist must not create it (with the broker's defaults, not compacted)
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        KafkaConsumer<byte[], byte[]> consumer;
        try {
            consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        } catch (KafkaException e) {
            throw new AlertsUnavailableException(cannotReach(kafka, timeout, e), e);
        }
        try {
            return new AlertsView(kafka, registry, topics, timeout, consumer, start);
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO);
            throw e;
        }
    }

    /**
     * Reads every partition up to the end offsets captured when the view was opened; records written after that
     * are left out, so the state is the one of that moment. Fails when no partition moves for the timeout.
     */
    public AlertState readToEnd() {
        kafkaCall("reading", () -> {
            TopicScan.readTo(consumer, endOffsets, Duration.ofMillis(200), timeout, () -> new AlertsUnavailableException(
                    "reading " + topics.gaps() + " and " + topics.gapRates() + " made no progress for " + timeout.toSeconds()
                            + " s before the end offsets " + endOffsets + "; is Kafka at " + kafka.bootstrap() + " ("
                            + KafkaSettings.BOOTSTRAP.name() + ") still reachable?", null), this::fold);
            return null;
        });
        return state;
    }

    /** Reads what arrived since the last call (at most {@code wait}), folds it in and returns it, in offset order. */
    public List<AlertRecord> poll(Duration wait) {
        List<AlertRecord> decoded = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : kafkaCall("reading", () -> consumer.poll(wait))) {
            AlertRecord record = fold(r);
            if (record != null) {
                decoded.add(record);
            }
        }
        return decoded;
    }

    /** Makes a {@link #poll} blocked in another thread return: the way a signal handler stops a follower. */
    public void wakeup() {
        consumer.wakeup();
    }

    public AlertState state() {
        return state;
    }

    /** Records read so far, tombstones and undecodable ones included. */
    public long records() {
        return records;
    }

    public long undecodable() {
        return undecodable;
    }

    /** The end offsets (last stable offsets) at the time the view was opened. */
    public Map<TopicPartition, Long> endOffsets() {
        return endOffsets;
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }

    private AlertRecord fold(ConsumerRecord<byte[], byte[]> r) {
        records++;
        AlertRecord.Position position = new AlertRecord.Position(r.topic(), r.partition(), r.offset());
        AlertRecord record;
        try {
            record = decode(r, position);
        } catch (RuntimeException e) {
            if (isUnreachable(e)) {
                throw new AlertsUnavailableException("cannot reach the schema registry at " + registry.url() + " ("
                        + RegistrySettings.URL.name() + ", environment variable " + RegistrySettings.URL.envName()
                        + ") while decoding " + position + ": " + e, e);
            }
            undecodable++;
            try (var topic = MDC.putCloseable("kafka.topic", r.topic());
                    var partition = MDC.putCloseable("kafka.partition", String.valueOf(r.partition()));
                    var offset = MDC.putCloseable("kafka.offset", String.valueOf(r.offset()))) {
                LOG.warn("skipping undecodable record {}: {}", position, e.toString());
            }
            return null;
        }
        state.apply(record);
        return record;
    }

    private AlertRecord decode(ConsumerRecord<byte[], byte[]> r, AlertRecord.Position position) {
        if (r.key() == null) {
            throw new IllegalArgumentException("record without key");
        }
        if (r.topic().equals(topics.gaps())) {
            ScorecardGapKey key = require(gapKeys.deserialize(r.topic(), r.headers(), r.key()), "key");
            ScorecardGapEvent value = r.value() == null ? null
                    : require(gapValues.deserialize(r.topic(), r.headers(), r.value()), "value");
            return new AlertRecord.Gap(key, value, position);
        }
        GapRateKey key = require(rateKeys.deserialize(r.topic(), r.headers(), r.key()), "key");
        GapRate value = r.value() == null ? null : require(rateValues.deserialize(r.topic(), r.headers(), r.value()), "value");
        return new AlertRecord.Rate(key, value, position);
    }

    private static <T> T require(T decoded, String what) {
        if (decoded == null) {
            throw new IllegalArgumentException("the deserializer returned null for a non-null " + what);
        }
        return decoded;
    }

    private List<TopicPartition> partitions(String topic, String key) {
        List<PartitionInfo> infos = kafkaCall("reading the metadata of " + topic, () -> consumer.partitionsFor(topic, timeout));
        if (infos == null || infos.isEmpty()) {
            throw new AlertsUnavailableException("topic '" + topic + "' (" + key + ") does not exist at " + kafka.bootstrap()
                    + "; `bin/sentinel run` creates it, or set " + key + " to the topic the topologies write", null);
        }
        return infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    /** Runs a consumer call; a timeout becomes a message naming the bootstrap key. */
    private <T> T kafkaCall(String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new AlertsUnavailableException(cannotReach(kafka, timeout, e) + " (" + what + ")", e);
        }
    }

    private static String cannotReach(KafkaSettings kafka, Duration timeout, Exception e) {
        return "cannot reach Kafka at " + kafka.bootstrap() + " (" + KafkaSettings.BOOTSTRAP.name()
                + ", environment variable " + KafkaSettings.BOOTSTRAP.envName() + ", given to the consumer as "
                + ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG + ") within " + timeout.toSeconds() + " s: " + rootMessage(e);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }

    private static boolean isUnreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IOException || t instanceof java.util.concurrent.TimeoutException) {
                return true;
            }
        }
        return false;
    }
}
