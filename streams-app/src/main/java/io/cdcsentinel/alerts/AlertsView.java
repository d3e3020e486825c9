package io.cdcsentinel.alerts;

import io.cdcsentinel.avro.GapEventType;
import io.cdcsentinel.avro.GapRate;
import io.cdcsentinel.avro.GapRateKey;
import io.cdcsentinel.avro.ScorecardGapEvent;
import io.cdcsentinel.avro.ScorecardGapKey;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.topology.AvroSerdes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The current state of the alert topics, read the way a consuming team would: the latest event per
 * scorecard (open gaps are those whose latest event is OPENED) and the latest roll-up per bucket. Reads
 * committed records only (the topologies write transactionally).
 */
public final class AlertsView implements AutoCloseable {
    private final KafkaConsumer<Object, Object> consumer;
    private final TopicNames topics;
    private final Map<ScorecardGapKey, ScorecardGapEvent> latestGap = new HashMap<>();
    private final Map<GapRateKey, GapRate> latestRate = new LinkedHashMap<>();

    @SuppressWarnings("unchecked")
    public AlertsView(KafkaSettings kafka, TopicNames topics, AvroSerdes avro) {
        this.topics = topics;
        Map<String, Object> config = kafka.clientConfig();
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "sentinel-alerts-view-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Deserializer<Object> keys = new TopicDispatch(Map.of(topics.gaps(), (Deserializer<Object>) (Deserializer<?>) avro
                .forKeys(ScorecardGapKey.class).deserializer(), topics.gapRates(), (Deserializer<Object>) (Deserializer<?>) avro
                .forKeys(GapRateKey.class).deserializer()));
        Deserializer<Object> values = new TopicDispatch(Map.of(topics.gaps(), (Deserializer<Object>) (Deserializer<?>) avro
                .forValues(ScorecardGapEvent.class).deserializer(), topics.gapRates(), (Deserializer<Object>) (Deserializer<?>) avro
                .forValues(GapRate.class).deserializer()));
        this.consumer = new KafkaConsumer<>(config, keys, values);
        consumer.subscribe(List.of(topics.gaps(), topics.gapRates()));
    }

    /** Reads what arrived since the last call. */
    public void poll(Duration timeout) {
        for (ConsumerRecord<Object, Object> r : consumer.poll(timeout)) {
            if (r.topic().equals(topics.gaps())) {
                if (r.value() == null) {
                    latestGap.remove((ScorecardGapKey) r.key());
                } else {
                    latestGap.put((ScorecardGapKey) r.key(), (ScorecardGapEvent) r.value());
                }
            } else if (r.value() != null) {
                latestRate.put((GapRateKey) r.key(), (GapRate) r.value());
            }
        }
    }

    public List<ScorecardGapEvent> openGaps() {
        return latestGap.values().stream().filter(e -> e.getEventType() == GapEventType.OPENED).toList();
    }

    public long count(GapEventType type) {
        return latestGap.values().stream().filter(e -> e.getEventType() == type).count();
    }

    public List<GapRate> alertingBuckets() {
        List<GapRate> result = new ArrayList<>();
        latestRate.values().stream().filter(GapRate::getAlerting).forEach(result::add);
        return result;
    }

    public int buckets() {
        return latestRate.size();
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }

    /** One consumer over two topics with different Avro types. */
    private record TopicDispatch(Map<String, Deserializer<Object>> byTopic) implements Deserializer<Object> {
        @Override
        public Object deserialize(String topic, byte[] data) {
            return byTopic.get(topic).deserialize(topic, data);
        }

        @Override
        public Object deserialize(String topic, org.apache.kafka.common.header.Headers headers, byte[] data) {
            return byTopic.get(topic).deserialize(topic, headers, data);
        }
    }
}
