package io.cdcsentinel.topology.gaps;

import io.cdcsentinel.avro.GapEventType;
import io.cdcsentinel.avro.GapRate;
import io.cdcsentinel.avro.GapRateKey;
import io.cdcsentinel.avro.ScorecardGapEvent;
import io.cdcsentinel.avro.ScorecardGapKey;
import io.cdcsentinel.cdc.CdcRunner;
import io.cdcsentinel.cdc.CdcTopics;
import io.cdcsentinel.config.CdcSettings;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.GapSettings;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.PostgresSettings;
import io.cdcsentinel.config.RegistrySettings;
import io.cdcsentinel.config.StreamsSettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.testing.TopicReader;
import io.cdcsentinel.registry.SchemaRegistration;
import io.cdcsentinel.topology.AvroSerdes;
import io.cdcsentinel.topology.StreamsProperties;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.awaitility.Awaitility;

/**
 * The historic-gap pipeline on real servers, wired as {@code bin/sentinel run} wires it: Debezium's embedded
 * PostgreSQL connector ({@link CdcRunner}) into Kafka, {@link HistoricGapTopology} under
 * {@link StreamsProperties} (exactly_once_v2, dead-letter topic), alerts through the registry-aware Avro serde.
 */
final class GapPipeline implements AutoCloseable {
    final ConfigSource config;
    final TopicNames topics;
    final KafkaSettings kafka;
    final GapSettings settings;
    final GapTopics gapTopics;
    private final List<KafkaStreams> apps = new ArrayList<>();
    private CdcRunner cdc;

    GapPipeline(ConfigSource config) {
        this.config = config;
        this.topics = TopicNames.from(config);
        this.kafka = KafkaSettings.from(config);
        this.settings = GapSettings.from(config);
        // the registration step of a deployment, also for a replay under topic names of its own
        SchemaRegistration.registerAllOrFail(RegistrySettings.from(config), topics);
        this.gapTopics = GapTopics.create(topics, new AvroSerdes(RegistrySettings.from(config)));
    }

    /** The output topics as the operator creates them: alerts and roll-ups compacted, the dead letters not. */
    GapPipeline createOutputTopics() {
        Optional<Integer> partitions = kafka.topicPartitions() > 0 ? Optional.of(kafka.topicPartitions()) : Optional.empty();
        Map<String, String> compact = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        CdcTopics.createMissing(kafka, List.of(
                new NewTopic(topics.gaps(), partitions, Optional.empty()).configs(compact),
                new NewTopic(topics.gapRates(), partitions, Optional.empty()).configs(compact),
                new NewTopic(topics.deadLetters(), partitions, Optional.empty())));
        return this;
    }

    GapPipeline startCdc() {
        cdc = new CdcRunner(PostgresSettings.from(config), kafka, CdcSettings.from(config), topics);
        cdc.start();
        return this;
    }

    /** Starts the topology under {@code <streams.application.id>-gaps} and waits until it runs. */
    KafkaStreams startTopology() {
        StreamsSettings streams = StreamsSettings.from(config);
        KafkaStreams app = new KafkaStreams(HistoricGapTopology.build(gapTopics, settings),
                StreamsProperties.create(HistoricGapTopology.applicationId(streams.applicationId()), kafka, streams, topics));
        apps.add(app);
        app.start();
        Awaitility.await("the gap topology running").atMost(Duration.ofMinutes(2))
                .until(() -> app.state() == KafkaStreams.State.RUNNING);
        return app;
    }

    Connection connect() throws SQLException {
        PostgresSettings postgres = PostgresSettings.from(config);
        return DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
    }

    /** Every record of the gap topic, in order, read committed. */
    List<ConsumerRecord<ScorecardGapKey, ScorecardGapEvent>> gapRecords() {
        return read(topics.gaps(), gapTopics.gaps().keySerde().deserializer(), gapTopics.gaps().valueSerde().deserializer());
    }

    /** The last event of every scorecard that has one (a tombstone removes the scorecard). */
    Map<ScorecardGapKey, ScorecardGapEvent> latestGapEvents() {
        Map<ScorecardGapKey, ScorecardGapEvent> latest = new LinkedHashMap<>();
        for (ConsumerRecord<ScorecardGapKey, ScorecardGapEvent> record : gapRecords()) {
            if (record.value() == null) {
                latest.remove(record.key());
            } else {
                latest.put(record.key(), record.value());
            }
        }
        return latest;
    }

    /** The open-alert set: scorecards whose last event is OPENED, as customer/profile/scorecard id. */
    Set<String> openAlerts() {
        return latestGapEvents().entrySet().stream().filter(e -> e.getValue().getEventType() == GapEventType.OPENED)
                .map(e -> id(e.getKey().getCustomer(), e.getKey().getProfile(), e.getKey().getScorecardId()))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** The open alerts with the facts of their OPENED event a replay must reproduce: stage and detection time. */
    Map<String, String> openAlertFacts() {
        Map<String, String> facts = new java.util.TreeMap<>();
        latestGapEvents().forEach((key, event) -> {
            if (event.getEventType() == GapEventType.OPENED) {
                facts.put(id(key.getCustomer(), key.getProfile(), key.getScorecardId()),
                        event.getStage() + " detected " + event.getDetectedAt());
            }
        });
        return facts;
    }

    /** The counts of the latest roll-up of every bucket (what is deterministic at quiescence). */
    Map<String, String> rollUpCounts() {
        Map<String, String> counts = new java.util.TreeMap<>();
        latestRates().forEach((key, rate) -> counts.put(key.getCustomer() + "/" + key.getProfile() + " " + key.getBucketSize()
                + " " + key.getBucketStart(), rate.getSubmittedMissing() + "/" + rate.getSubmittedTotal() + " submitted, "
                + rate.getUnsubmittedMissing() + "/" + rate.getUnsubmittedTotal() + " unsubmitted, "
                + rate.getProcessMissing() + "/" + rate.getProcessTotal() + " process"));
        return counts;
    }

    /** The latest roll-up of every bucket. */
    Map<GapRateKey, GapRate> latestRates() {
        Map<GapRateKey, GapRate> latest = new HashMap<>();
        read(topics.gapRates(), gapTopics.gapRates().keySerde().deserializer(), gapTopics.gapRates().valueSerde().deserializer())
                .forEach(r -> latest.put(r.key(), r.value()));
        return latest;
    }

    List<ConsumerRecord<byte[], byte[]>> rawRecords(String topic) {
        return read(topic, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    static String id(String customer, String profile, String scorecardId) {
        return customer + "/" + profile + "/" + scorecardId;
    }

    private <K, V> List<ConsumerRecord<K, V>> read(String topic, Deserializer<K> keys, Deserializer<V> values) {
        return TopicReader.readAll(kafka.bootstrap(), topic, keys, values);
    }

    @Override
    public void close() {
        for (KafkaStreams app : apps) {
            app.close(Duration.ofSeconds(30));
        }
        if (cdc != null) {
            cdc.close();
        }
    }
}
