package io.cdcsentinel.sink;

import io.cdcsentinel.avro.BotOutcome;
import io.cdcsentinel.avro.ConversationLabel;
import io.cdcsentinel.avro.ConversationLabelKey;
import io.cdcsentinel.avro.LabelKind;
import io.cdcsentinel.config.ClickHouseSettings;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.RegistrySettings;
import io.cdcsentinel.config.SinkSettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.testing.StackFixture;
import io.cdcsentinel.testing.TopicReader;
import io.cdcsentinel.topology.AvroSerdes;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Properties;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What the sink's integration tests share: the configuration of one isolated sink (its own topics,
 * group and ClickHouse database on the test stack), a producer that writes labels with the real
 * registry-aware serde, and ClickHouse queries.
 */
final class SinkTestKit implements AutoCloseable {
    final ConfigSource config;
    final KafkaSettings kafka;
    final TopicNames topics;
    final RegistrySettings registry;
    final ClickHouseSettings clickhouse;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Serializer<ConversationLabelKey> keySerializer;
    private final Serializer<ConversationLabel> valueSerializer;
    private final LabelStore store;

    /**
     * One isolated sink on the shared test stack: the fixture's unique topics and application id, a fresh
     * ClickHouse database (dropped with the fixture), and {@code overrides}.
     */
    static SinkTestKit create(StackFixture stack, Map<String, String> overrides) {
        Map<String, String> values = new HashMap<>();
        values.put(ClickHouseSettings.DATABASE.name(), stack.createClickHouseDatabase());
        values.putAll(overrides);
        return new SinkTestKit(stack.config(values));
    }

    SinkTestKit(ConfigSource config) {
        this.config = config;
        this.kafka = KafkaSettings.from(config);
        this.topics = TopicNames.from(config);
        this.registry = RegistrySettings.from(config);
        this.clickhouse = ClickHouseSettings.from(config);
        AvroSerdes serdes = new AvroSerdes(registry);
        this.keySerializer = serdes.forKeys(ConversationLabelKey.class).serializer();
        this.valueSerializer = serdes.forValues(ConversationLabel.class).serializer();
        Map<String, Object> producerConfig = new HashMap<>(kafka.clientConfig());
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        producerConfig.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        this.producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer());
        SinkSettings sink = SinkSettings.from(config);
        this.store = new LabelStore(clickhouse, new LabelTable(clickhouse.database(), sink.table(), sink.layout()));
    }

    SinkSettings sinkSettings() {
        return SinkSettings.from(config);
    }

    SinkTestKit with(Map<String, String> overrides) {
        return new SinkTestKit(config.with(overrides));
    }

    /** The labels topic (compacted, as in production) and the dead-letter topic. */
    void createTopics(int partitions) throws ExecutionException, InterruptedException {
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            admin.createTopics(List.of(
                    new NewTopic(topics.labels(), partitions, (short) 1)
                            .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)),
                    new NewTopic(topics.deadLetters(), 1, (short) 1))).all().get();
        }
    }

    /** Creates the sink's table and stops merges on it, so physical rows can be counted. */
    LabelTable createTableWithoutMerges() {
        LabelTable table = ClickHouseSink.createTable(clickhouse, sinkSettings());
        store.execute("SYSTEM STOP MERGES " + table.qualifiedName());
        return table;
    }

    ClickHouseSink newSink() {
        return new ClickHouseSink(kafka, topics, registry, clickhouse, sinkSettings());
    }

    /** Writes labels keyed by conversation, with the registry-aware serde the label topology uses. */
    void produce(List<ConversationLabel> labels) {
        for (ConversationLabel label : labels) {
            ConversationLabelKey key = new ConversationLabelKey(label.getCustomerId(), label.getProfileId(), label.getConversationId());
            producer.send(new ProducerRecord<>(topics.labels(), keySerializer.serialize(topics.labels(), key),
                    valueSerializer.serialize(topics.labels(), label)));
        }
        producer.flush();
    }

    /** A compaction tombstone for a conversation. */
    void produceTombstone(String customer, String profile, String conversation) {
        ConversationLabelKey key = new ConversationLabelKey(customer, profile, conversation);
        producer.send(new ProducerRecord<>(topics.labels(), keySerializer.serialize(topics.labels(), key), null));
        producer.flush();
    }

    void produceRaw(int partition, byte[] key, byte[] value) throws ExecutionException, InterruptedException {
        producer.send(new ProducerRecord<>(topics.labels(), partition, key, value)).get();
    }

    long count(String sqlReturningOneNumber) {
        return Long.parseLong(store.query(sqlReturningOneNumber).get(0)[0]);
    }

    List<String[]> rows(String sql) {
        return store.query(sql);
    }

    void execute(String sql) {
        store.execute(sql);
    }

    /** This kit's configuration as a properties file, for a sink started as a command or a process. */
    Path writeConfig(Path dir) throws IOException {
        List<String> keys = new ArrayList<>(List.of("kafka.bootstrap", "registry.url", "clickhouse.url", "clickhouse.database",
                "topics.labels", "topics.dlq", "streams.application.id", "sink.consumer.group.instance.id", "http.port"));
        SinkSettings.KEYS.forEach(k -> keys.add(k.name()));
        Properties props = new Properties();
        for (String key : keys) {
            config.raw(key).ifPresent(v -> props.setProperty(key, v));
        }
        Files.createDirectories(dir);
        Path file = dir.resolve("sink.properties");
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            props.store(out, "sink under test");
        }
        return file;
    }

    /** Every record of {@code topic} up to its current end. */
    List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        return TopicReader.readAll(kafka.bootstrap(), topic, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    static ConversationLabel.Builder label(String conversation, LabelKind kind, long version) {
        return ConversationLabel.newBuilder()
                .setCustomerId("cust-" + (conversation.hashCode() & 3)).setProfileId("prof-1").setConversationId(conversation)
                .setKind(kind).setVersion(version)
                .setAgentUserId("agent-" + (version % 7)).setUsecaseId("usecase-" + (version % 3))
                .setStartedAt(Instant.parse("2024-05-01T08:00:00Z").plusSeconds(version % 86_400))
                .setEndedAt(Instant.parse("2024-05-01T09:00:00Z").plusSeconds(version % 86_400))
                .setAssistShownCount((int) (version % 5)).setAssistUsedCount((int) (version % 2))
                .setAgentAssisted(version % 2 == 1)
                .setBotOutcome(BotOutcome.values()[(int) (version % 3)])
                .setSourceTsMs(1_714_550_400_000L + version);
    }

    @Override
    public void close() {
        producer.close();
        store.close();
    }
}
