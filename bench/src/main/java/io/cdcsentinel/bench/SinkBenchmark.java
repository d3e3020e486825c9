package io.cdcsentinel.bench;

import io.cdcsentinel.avro.BotOutcome;
import io.cdcsentinel.avro.ConversationLabel;
import io.cdcsentinel.avro.ConversationLabelKey;
import io.cdcsentinel.avro.LabelKind;
import io.cdcsentinel.config.ClickHouseSettings;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.RegistrySettings;
import io.cdcsentinel.config.SinkSettings;
import io.cdcsentinel.config.SinkSettings.Layout;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.sink.ClickHouseSink;
import io.cdcsentinel.sink.LabelRowEncoder;
import io.cdcsentinel.sink.LabelStore;
import io.cdcsentinel.sink.LabelTable;
import io.cdcsentinel.topology.AvroSerdes;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The sink's throughput against the plainest way to load the same rows, in the same process, for
 * {@code bin/sentinel bench}. Not a test: it measures and reports, it asserts nothing.
 *
 * <ol>
 *   <li>{@code n} labels are produced once (not timed) to a fresh topic with the registry-aware serde.</li>
 *   <li>A raw warm-up of {@code min(n, 20,000)} rows, not counted.</li>
 *   <li>Then {@code rounds} times, alternating so that both see the same machine (the sink first in odd rounds,
 *       the raw INSERTs first in even ones, each round's sink table dropped at its end so that its background
 *       merges do not weigh on the next round):
 *     <ul>
 *       <li>sink: a fresh {@link ClickHouseSink} (fresh group, fresh table) reads the whole topic. Timed from
 *           the first records it receives until ClickHouse has acknowledged all {@code n} rows (consume,
 *           decode Avro, encode, INSERT, commit); its start-up (table check, group join) is reported apart;</li>
 *       <li>raw: the same labels, encoded with the same {@link LabelRowEncoder} (timed) and sent in batches of
 *           the same size as {@code INSERT ... FORMAT JSONEachRow} HTTP POSTs ({@code java.net.http}, one after
 *           the other) into a fresh table. No Kafka, no registry, no bookkeeping.</li>
 *     </ul></li>
 * </ol>
 * The result holds every round; {@link Result#ratio()} compares the medians (the goal is &gt;= 0.7). The topic and
 * the tables are dropped at the end.
 */
public final class SinkBenchmark {

    /** One round: the sink's steady-state time, its start-up time, and the raw INSERT time of the same rows. */
    public record Round(Duration sink, Duration sinkStartup, Duration raw) {
    }

    /** All rounds, and the medians. */
    public record Result(int rows, int batchSize, int partitions, List<Round> rounds) {
        public Duration medianSink() {
            return median(rounds.stream().map(Round::sink).toList());
        }

        public Duration medianSinkStartup() {
            return median(rounds.stream().map(Round::sinkStartup).toList());
        }

        public Duration medianRaw() {
            return median(rounds.stream().map(Round::raw).toList());
        }

        public double sinkRowsPerSecond() {
            return rows / seconds(medianSink());
        }

        public double rawRowsPerSecond() {
            return rows / seconds(medianRaw());
        }

        /** Sink throughput over raw INSERT throughput (medians). */
        public double ratio() {
            return sinkRowsPerSecond() / rawRowsPerSecond();
        }

        /** The same ratio with the sink's start-up counted in. */
        public double ratioWithStartup() {
            return rows / seconds(medianSink().plus(medianSinkStartup())) / rawRowsPerSecond();
        }

        public String summary() {
            StringBuilder sb = new StringBuilder(String.format(
                    "sink %,.0f rows/s vs raw JSONEachRow INSERT %,.0f rows/s: ratio %.2f (%.2f with the sink's %d ms start-up);"
                            + " %,d rows, batch %,d, %d partition(s), medians of %d rounds:",
                    sinkRowsPerSecond(), rawRowsPerSecond(), ratio(), ratioWithStartup(), medianSinkStartup().toMillis(), rows,
                    batchSize, partitions, rounds.size()));
            for (Round r : rounds) {
                sb.append(String.format(" [sink %d ms + %d ms start-up, raw %d ms]", r.sink().toMillis(), r.sinkStartup().toMillis(),
                        r.raw().toMillis()));
            }
            return sb.toString();
        }

        private static Duration median(List<Duration> values) {
            List<Duration> sorted = values.stream().sorted().toList();
            int n = sorted.size();
            return n % 2 == 1 ? sorted.get(n / 2) : sorted.get(n / 2 - 1).plus(sorted.get(n / 2)).dividedBy(2);
        }

        private static double seconds(Duration d) {
            return Math.max(d.toNanos(), 1) / 1e9;
        }
    }

    private SinkBenchmark() {
    }

    /** With the endpoints of {@code source} (kafka.bootstrap, registry.url, clickhouse.*). */
    public static Result run(ConfigSource source, int n, int batchSize, int partitions, int rounds) throws Exception {
        return run(KafkaSettings.from(source), RegistrySettings.from(source), ClickHouseSettings.from(source), n, batchSize,
                partitions, rounds);
    }

    public static Result run(KafkaSettings kafka, RegistrySettings registry, ClickHouseSettings clickhouse, int n, int batchSize,
            int partitions, int rounds) throws Exception {
        String id = "bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String topic = id + "-labels";
        List<ConversationLabel> labels = labels(n);
        LabelTable rawTable = new LabelTable(clickhouse.database(), id + "_raw", Layout.REPLACING);
        List<String> tables = new ArrayList<>(List.of(rawTable.qualifiedName()));
        try (Admin admin = Admin.create(kafka.clientConfig()); LabelStore store = new LabelStore(clickhouse, rawTable)) {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty()))).all().get();
            try {
                produce(kafka, registry, topic, labels);
                store.ensureTable(true);
                RawInserter raw = new RawInserter(clickhouse, rawTable, topic);
                raw.insert(labels.subList(0, Math.min(n, 20_000)), batchSize); // warm-up, not counted

                List<Round> results = new ArrayList<>();
                for (int round = 1; round <= rounds; round++) {
                    SinkSettings settings = settings(id, topic, round, batchSize);
                    String sinkTable = "`" + clickhouse.database() + "`.`" + settings.table() + "`";
                    tables.add(sinkTable);
                    store.execute("TRUNCATE TABLE " + rawTable.qualifiedName());
                    // alternate which side goes first, so that neither always meets the other's background merges
                    Duration rawTime = round % 2 == 0 ? timeRaw(raw, labels, batchSize) : null;
                    Duration[] sink = timeSink(kafka, TopicNames.from(config(id, topic, round, batchSize)), registry, clickhouse,
                            settings, n);
                    if (rawTime == null) {
                        rawTime = timeRaw(raw, labels, batchSize);
                    }
                    results.add(new Round(sink[0], sink[1], rawTime));
                    // a round's 2 x n rows must not be merged in the background of the next round
                    store.execute("DROP TABLE IF EXISTS " + sinkTable);
                }
                return new Result(n, batchSize, partitions, results);
            } finally {
                for (String table : tables) {
                    store.execute("DROP TABLE IF EXISTS " + table);
                }
                List<String> created = admin.listTopics().names().get().stream().filter(t -> t.startsWith(id)).toList();
                admin.deleteTopics(created).all().get();
            }
        }
    }

    private static Duration timeRaw(RawInserter raw, List<ConversationLabel> labels, int batchSize) throws Exception {
        long start = System.nanoTime();
        raw.insert(labels, batchSize);
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private static ConfigSource config(String id, String topic, int round, int batchSize) {
        Map<String, String> values = new HashMap<>();
        values.put(TopicNames.LABELS.name(), topic);
        values.put(TopicNames.DLQ.name(), id + "-dlq");
        values.put(SinkSettings.TABLE.name(), id + "_sink_" + round);
        values.put(SinkSettings.BATCH_SIZE.name(), Integer.toString(batchSize));
        values.put(SinkSettings.GROUP_ID.name(), id + "-" + round);
        return ConfigSource.of(values);
    }

    private static SinkSettings settings(String id, String topic, int round, int batchSize) {
        return SinkSettings.from(config(id, topic, round, batchSize));
    }

    /** {steady-state time, start-up time}. */
    private static Duration[] timeSink(KafkaSettings kafka, TopicNames topics, RegistrySettings registry,
            ClickHouseSettings clickhouse, SinkSettings settings, int n) throws InterruptedException {
        long start = System.nanoTime();
        try (ClickHouseSink sink = new ClickHouseSink(kafka, topics, registry, clickhouse, settings)) {
            sink.start();
            while (sink.progress().rowsWritten() < n) {
                if (sink.awaitTermination(Duration.ofMillis(2))) {
                    throw new IllegalStateException("sink stopped during the benchmark: " + sink.progress().summary());
                }
            }
            long end = System.nanoTime();
            long first = sink.firstRecordNanos();
            return new Duration[] {Duration.ofNanos(end - first), Duration.ofNanos(first - start)};
        }
    }

    /** {@code n} FINAL labels of distinct conversations with realistic field sizes. */
    static List<ConversationLabel> labels(int n) {
        List<ConversationLabel> labels = new ArrayList<>(n);
        Instant base = Instant.parse("2024-06-01T00:00:00Z");
        for (int i = 0; i < n; i++) {
            labels.add(ConversationLabel.newBuilder()
                    .setCustomerId("customer-" + (i % 95)).setProfileId("profile-" + (i % 7))
                    .setConversationId(UUID.nameUUIDFromBytes(Integer.toString(i).getBytes(StandardCharsets.UTF_8)).toString())
                    .setKind(LabelKind.FINAL).setVersion((1L << 40) + i)
                    .setAgentUserId("agent-" + (i % 500)).setUsecaseId("usecase-" + (i % 40))
                    .setStartedAt(base.plusSeconds(i)).setEndedAt(base.plusSeconds(i + 600))
                    .setAssistShownCount(i % 6).setAssistUsedCount(i % 3).setAgentAssisted(i % 3 > 0)
                    .setBotOutcome(BotOutcome.values()[i % 3]).setSourceTsMs(base.toEpochMilli() + i * 1000L)
                    .build());
        }
        return labels;
    }

    private static void produce(KafkaSettings kafka, RegistrySettings registry, String topic, List<ConversationLabel> labels)
            throws ExecutionException, InterruptedException {
        // the benchmark's own throwaway topic: its schemas are registered on first use
        AvroSerdes serdes = new AvroSerdes(registry.withAutoRegister(true));
        Serializer<ConversationLabelKey> keys = serdes.forKeys(ConversationLabelKey.class).serializer();
        Serializer<ConversationLabel> values = serdes.forValues(ConversationLabel.class).serializer();
        Map<String, Object> config = new HashMap<>(kafka.clientConfig());
        config.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (ConversationLabel l : labels) {
                ConversationLabelKey key = new ConversationLabelKey(l.getCustomerId(), l.getProfileId(), l.getConversationId());
                producer.send(new ProducerRecord<>(topic, keys.serialize(topic, key), values.serialize(topic, l)));
            }
            producer.flush();
        }
    }

    /** The baseline: plain HTTP POSTs of JSONEachRow, one batch after the other. */
    private static final class RawInserter {
        private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        private final URI uri;
        private final String authorization;
        /** kafka_topic is the sink's topic, so that both sides send the same bytes (a shorter name was 4% less). */
        private final LabelRowEncoder encoder;

        RawInserter(ClickHouseSettings clickhouse, LabelTable table, String topic) {
            this.encoder = new LabelRowEncoder(Layout.REPLACING, topic);
            String query = "INSERT INTO " + table.qualifiedName() + " (" + LabelTable.columnList() + ") FORMAT JSONEachRow";
            String base = clickhouse.url().toString();
            this.uri = URI.create((base.endsWith("/") ? base : base + "/") + "?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8));
            this.authorization = "Basic " + Base64.getEncoder().encodeToString(
                    (clickhouse.user() + ":" + clickhouse.password()).getBytes(StandardCharsets.UTF_8));
        }

        void insert(List<ConversationLabel> labels, int batchSize) throws IOException, InterruptedException {
            LabelRowEncoder.RowBuffer body = new LabelRowEncoder.RowBuffer(batchSize * 512);
            for (int from = 0; from < labels.size(); from += batchSize) {
                body.reset();
                byte[] writtenAt = LabelRowEncoder.dateTimeJson(System.currentTimeMillis() / 1000);
                int to = Math.min(labels.size(), from + batchSize);
                for (int i = from; i < to; i++) {
                    encoder.encode(labels.get(i), 0, i, writtenAt, body);
                }
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri)
                        .header("Authorization", authorization)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    throw new IOException("raw INSERT failed with HTTP " + response.statusCode() + ": " + response.body());
                }
            }
        }
    }
}
