package io.cdcsentinel.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cdcsentinel.avro.GapEventType;
import io.cdcsentinel.avro.ScorecardGapEvent;
import io.cdcsentinel.avro.ScorecardGapKey;
import io.cdcsentinel.cdc.CdcRunner;
import io.cdcsentinel.config.CdcSettings;
import io.cdcsentinel.config.ClickHouseSettings;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.PostgresSettings;
import io.cdcsentinel.config.RegistrySettings;
import io.cdcsentinel.config.SinkSettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.local.ClickHouseServer;
import io.cdcsentinel.sink.ClickHouseSink;
import io.cdcsentinel.sink.LabelTable;
import io.cdcsentinel.testing.StackExtension;
import io.cdcsentinel.testing.SentinelProcess;
import io.cdcsentinel.testing.StackFixture;
import io.cdcsentinel.testing.TestStack;
import io.cdcsentinel.testing.TopicReader;
import io.cdcsentinel.topology.AvroSerdes;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 16: two {@code run} instances of one application on a 4-partition deployment share the work; one is killed
 * with {@code kill -9} and the other takes its partitions over. Checked against PostgreSQL: every label in ClickHouse
 * once (one physical row per label version, counted by a materialized view fed by every INSERT), every gap opened
 * once on the gap topic. The session timeout is 10 s here ({@code kafka.client.session.timeout.ms}): a killed static
 * member's partitions move only when it expires.
 */
@ExtendWith(StackExtension.class)
class TakeoverIT {
    private static final Logger LOG = LoggerFactory.getLogger(TakeoverIT.class);
    private static final Pattern WRITTEN = Pattern.compile(
            "^sentinel_labels_written_total\\{[^}]*} ([0-9.E]+)$", Pattern.MULTILINE);
    private static final String TRUTH = """
            SELECT conversation_id || ':' || coalesce(agent_user_id, '') || ':' || coalesce(usecase_id, '')
            FROM app.chats WHERE ended_at IS NOT NULL ORDER BY 1""";
    private static final int CONVERSATIONS = 60;
    private static final int SCORECARDS = 16;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private ConfigSource config;
    private PostgresSettings postgres;
    private LabelTable table;
    private String physicalRows;
    private String clickhouseUrl;
    private CdcRunner cdc;
    private Path workDir;
    private Path configFile;
    private final List<Instance> instances = new ArrayList<>();

    private record Instance(String name, Process process, int port) {
    }

    @BeforeEach
    void start(StackFixture stack) throws Exception {
        String database = stack.createClickHouseDatabase();
        workDir = Files.createDirectories(TestStack.targetDir().resolve("takeover-it").resolve(database));
        config = stack.config(Map.ofEntries(
                Map.entry(ClickHouseSettings.DATABASE.name(), database),
                Map.entry(KafkaSettings.TOPIC_PARTITIONS.name(), "4"),
                Map.entry("kafka.client.session.timeout.ms", "10000"),
                Map.entry("labels.settle.window", "2s"),
                Map.entry("labels.fallback.idle", "2s"),
                Map.entry("gaps.grace", "5s"),
                Map.entry("gaps.clock.idle.after", "2s"),
                Map.entry("http.bind", "127.0.0.1"),
                Map.entry(SinkSettings.BATCH_LINGER.name(), "200ms")));
        postgres = PostgresSettings.from(config);
        clickhouseUrl = ClickHouseSettings.from(config).url().toString();
        table = ClickHouseSink.createTable(ClickHouseSettings.from(config), SinkSettings.from(config));
        physicalRows = "`" + table.database() + "`.`" + table.table() + "_physical`";
        ClickHouseServer.execute(clickhouseUrl, "CREATE MATERIALIZED VIEW " + physicalRows + " ENGINE = MergeTree()"
                + " ORDER BY (customer_id, profile_id, conversation_id, version) AS SELECT customer_id, profile_id,"
                + " conversation_id, version FROM " + table.qualifiedName());
        configFile = SentinelProcess.writeConfig(config, workDir.resolve("run.properties"), "two instances under test");
        cdc = new CdcRunner(postgres, KafkaSettings.from(config), CdcSettings.from(config), TopicNames.from(config));
        cdc.start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (Instance instance : instances) {
            instance.process().destroyForcibly();
            instance.process().waitFor(30, TimeUnit.SECONDS);
        }
        if (cdc != null) {
            cdc.close();
        }
    }

    @Test
    void shouldShareTheWorkAndTakeOverTheKilledInstancesPartitionsWithNothingLostOrDuplicated() throws Exception {
        Instance a = startInstance("a");
        Instance b = startInstance("b");
        awaitReady(a);
        awaitReady(b);

        write(0, CONVERSATIONS / 2, 0, SCORECARDS / 2);
        await("the first half labelled and alerted").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    assertThat(visibleLabels()).isEqualTo(truth());
                    assertThat(openedGaps()).hasSize(SCORECARDS / 2);
                });
        double writtenA = labelsWritten(a);
        double writtenB = labelsWritten(b);
        LOG.info("before the kill: labels written by a = {}, by b = {}", writtenA, writtenB);
        assertThat(writtenA).as("a has label partitions").isPositive();
        assertThat(writtenB).as("b has label partitions").isPositive();

        b.process().destroyForcibly();
        assertThat(b.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
        long killed = System.nanoTime();
        write(CONVERSATIONS / 2, CONVERSATIONS, SCORECARDS / 2, SCORECARDS);
        await("the survivor writes what the killed one held").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> {
                    assertThat(a.process().isAlive()).isTrue();
                    assertThat(visibleLabels()).isEqualTo(truth());
                    assertThat(openedGaps()).hasSize(SCORECARDS);
                });
        long tookOver = System.nanoTime();
        LOG.info("after kill -9 of b: every label and gap written by a {} ms after the kill; labels written by a: {}",
                (tookOver - killed) / 1_000_000, labelsWritten(a));

        assertThat(visibleLabels()).hasSize(CONVERSATIONS);
        assertThat(duplicatePhysicalRows()).as("label versions written more than once").isZero();
        assertThat(openedGaps().values()).as("one OPENED per scorecard").allMatch(n -> n == 1);
    }

    /** Conversations [from, to) ended at once over four customers, scorecards [scFrom, scTo) that never get historic rows. */
    private void write(int from, int to, int scFrom, int scTo) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            for (int i = from; i < to; i++) {
                s.addBatch("INSERT INTO app.chats (conversation_id, customer_id, profile_id, agent_user_id, usecase_id, ended_at)"
                        + " VALUES ('conv-" + i + "', 'cust-" + (i % 4) + "', 'prof-1', 'agent-a', 'uc-1', now())");
            }
            for (int i = scFrom; i < scTo; i++) {
                s.addBatch("INSERT INTO director.scorecards (customer, profile, resource_id, template_id)"
                        + " VALUES ('cust-" + (i % 4) + "', 'prof-1', 'sc-" + i + "', 'tpl-1')");
            }
            s.executeBatch();
            c.commit();
        }
    }

    private Instance startInstance(String name) throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        ProcessBuilder builder = SentinelProcess.builder(workDir.resolve("run-" + name + ".log"), "run", "--config",
                configFile.toString());
        // one state directory per instance (Kafka Streams locks it), hence one static member name per instance
        builder.environment().put("SENTINEL_STREAMS_STATE_DIR", workDir.resolve("state-" + name).toString());
        builder.environment().put("SENTINEL_HTTP_PORT", String.valueOf(port));
        Instance instance = new Instance(name, builder.start(), port);
        instances.add(instance);
        return instance;
    }

    private void awaitReady(Instance instance) {
        await(instance.name() + " ready").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
                .ignoreExceptions().untilAsserted(() -> {
                    assertThat(instance.process().isAlive()).as(instance.name() + " exited; see " + workDir).isTrue();
                    assertThat(get(instance, "/health/ready").statusCode()).isEqualTo(200);
                });
    }

    private HttpResponse<String> get(Instance instance, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + instance.port() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private double labelsWritten(Instance instance) throws IOException, InterruptedException {
        double sum = 0;
        Matcher m = WRITTEN.matcher(get(instance, "/metrics").body());
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return sum;
    }

    private Map<String, Integer> openedGaps() {
        AvroSerdes avro = new AvroSerdes(RegistrySettings.from(config));
        List<ConsumerRecord<ScorecardGapKey, ScorecardGapEvent>> records = TopicReader.readAll(
                KafkaSettings.from(config).bootstrap(), TopicNames.from(config).gaps(),
                avro.forKeys(ScorecardGapKey.class).deserializer(), avro.forValues(ScorecardGapEvent.class).deserializer());
        Map<String, Integer> opened = new TreeMap<>();
        records.stream().filter(r -> r.value() != null && r.value().getEventType() == GapEventType.OPENED)
                .forEach(r -> opened.merge(r.value().getScorecardId(), 1, Integer::sum));
        return opened;
    }

    private List<String> visibleLabels() {
        String rows = ClickHouseServer.execute(clickhouseUrl, "SELECT concat(conversation_id, ':', ifNull(agent_user_id, ''),"
                + " ':', ifNull(usecase_id, '')) AS row FROM " + table.qualifiedName() + " FINAL WHERE is_deleted = 0 ORDER BY row");
        return rows.isBlank() ? List.of() : Arrays.stream(rows.strip().split("\n")).sorted().toList();
    }

    private long duplicatePhysicalRows() {
        return Long.parseLong(ClickHouseServer.execute(clickhouseUrl, "SELECT count() - uniqExact(customer_id, profile_id,"
                + " conversation_id, version) FROM " + physicalRows).strip());
    }

    private List<String> truth() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(TRUTH)) {
            List<String> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
            return rows.stream().sorted().toList();
        }
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
    }
}
