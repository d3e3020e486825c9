package io.cdcsentinel.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cdcsentinel.avro.GapEventType;
import io.cdcsentinel.avro.GapRate;
import io.cdcsentinel.avro.GapRateKey;
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
import io.cdcsentinel.testing.SentinelProcess;
import io.cdcsentinel.testing.StackExtension;
import io.cdcsentinel.testing.StackFixture;
import io.cdcsentinel.testing.TestStack;
import io.cdcsentinel.testing.TopicReader;
import io.cdcsentinel.topology.AvroSerdes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 17 on the real servers: {@code bin/sentinel run} as its own JVM, killed with SIGKILL (and stopped cleanly)
 * while labels wait in their settle window and scorecards in their grace period, restarted, and then left alone: no
 * row is written to PostgreSQL after the restart. Every label must still reach ClickHouse (equal to PostgreSQL, one
 * physical row per label), every gap must open once, and the roll-up must count them.
 */
@ExtendWith(StackExtension.class)
class RestartLivenessIT {
    private static final Logger LOG = LoggerFactory.getLogger(RestartLivenessIT.class);
    private static final Duration SETTLE = Duration.ofSeconds(5);
    private static final Duration GRACE = Duration.ofSeconds(10);
    private static final int CONVERSATIONS = 20;
    private static final int SCORECARDS = 12;

    /** What ClickHouse must show: every ended, not deleted conversation with its final agent and use case. */
    private static final String TRUTH = """
            SELECT conversation_id || ':' || coalesce(agent_user_id, '') || ':' || coalesce(usecase_id, '')
            FROM app.chats WHERE ended_at IS NOT NULL ORDER BY 1""";

    private ConfigSource config;
    private PostgresSettings postgres;
    private LabelTable table;
    private String clickhouseUrl;
    private CdcRunner cdc;
    private Process run;
    private Path workDir;
    private Path configFile;
    private Path healthFile;
    private int runs;

    @BeforeEach
    void start(StackFixture stack) throws Exception {
        String database = stack.createClickHouseDatabase();
        workDir = Files.createDirectories(TestStack.targetDir().resolve("restart-liveness-it").resolve(database));
        healthFile = workDir.resolve("run.health");
        config = stack.config(Map.ofEntries(
                Map.entry(ClickHouseSettings.DATABASE.name(), database),
                Map.entry(KafkaSettings.TOPIC_PARTITIONS.name(), "2"),
                Map.entry("labels.settle.window", SETTLE.toMillis() + "ms"),
                Map.entry("labels.fallback.idle", "2s"),
                Map.entry("gaps.grace", GRACE.toMillis() + "ms"),
                Map.entry("gaps.clock.idle.after", "2s"),
                Map.entry("gaps.rates.emit.interval", "2s"),
                Map.entry("run.health.file", healthFile.toString()),
                Map.entry(SinkSettings.BATCH_LINGER.name(), "200ms")));
        postgres = PostgresSettings.from(config);
        clickhouseUrl = ClickHouseSettings.from(config).url().toString();
        table = ClickHouseSink.createTable(ClickHouseSettings.from(config), SinkSettings.from(config));
        // merges stopped: every physical row stays visible, so a label written twice would show
        ClickHouseServer.execute(clickhouseUrl, "SYSTEM STOP MERGES " + table.qualifiedName());
        configFile = SentinelProcess.writeConfig(config, workDir.resolve("run.properties"), "run under test");
        cdc = new CdcRunner(postgres, KafkaSettings.from(config), CdcSettings.from(config), TopicNames.from(config));
        cdc.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (run != null) {
            run.destroyForcibly();
            run.waitFor(30, TimeUnit.SECONDS);
        }
        if (cdc != null) {
            cdc.close();
        }
    }

    @Test
    void shouldWriteHeldLabelsOpenDueGapsAndEmitRollupsAfterAKillNineInsideTheSettleAndGraceWindowsWithoutNewInput()
            throws Exception {
        startRun();
        awaitRunning(Duration.ofMinutes(2));
        // Live first: conversations opened and the first half ended; their FINALs are written while the process is up.
        sql(i -> "INSERT INTO app.chats (conversation_id, customer_id, profile_id, agent_user_id, usecase_id)"
                + " VALUES ('conv-" + i + "', 'cust-1', 'prof-1', 'agent-a', 'uc-1')", CONVERSATIONS);
        sql(i -> "UPDATE app.chats SET ended_at = now(), updated_at = now() WHERE conversation_id = 'conv-" + i + "'",
                CONVERSATIONS / 2);
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> assertThat(visibleLabels()).isEqualTo(truth()));

        // Then, in one burst: the other half ends, a quarter of the ended ones are reassigned (CORRECTION), two are
        // deleted (DELETE), and scorecards are created that never get historic rows.
        try (Connection c = connect(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            for (int i = CONVERSATIONS / 2; i < CONVERSATIONS; i++) {
                s.addBatch("UPDATE app.chats SET ended_at = now(), updated_at = now() WHERE conversation_id = 'conv-" + i + "'");
            }
            for (int i = 0; i < CONVERSATIONS / 4; i++) {
                s.addBatch("UPDATE app.chats SET agent_user_id = 'agent-b', updated_at = now() WHERE conversation_id = 'conv-"
                        + i + "'");
            }
            s.addBatch("DELETE FROM app.chats WHERE conversation_id IN ('conv-8', 'conv-9')");
            for (int i = 0; i < SCORECARDS; i++) {
                s.addBatch("INSERT INTO director.scorecards (customer, profile, resource_id, template_id)"
                        + " VALUES ('cust-1', 'prof-1', 'sc-" + i + "', 'tpl-1')");
            }
            s.executeBatch();
            c.commit();
        }
        long committed = System.nanoTime();
        // kill -9 four seconds later: inside the settle window (5 s) and the grace period (10 s), and after the changes
        // have reached the topologies (CDC and Streams take well under a second here)
        Thread.sleep(4_000); // the moment of the kill is the point of the test, not a wait for a result
        run.destroyForcibly();
        assertThat(run.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(System.nanoTime() - committed).as("killed inside the settle window")
                .isLessThan(SETTLE.toNanos());
        LOG.info("run killed with SIGKILL {} ms after the commit", (System.nanoTime() - committed) / 1_000_000);

        // Restarted; nothing is written to PostgreSQL from now on.
        long restarted = System.nanoTime();
        startRun();
        long running = awaitRunning(Duration.ofMinutes(2));
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(visibleLabels()).isEqualTo(truth()));
        long labelled = System.nanoTime();
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(openedGaps()).hasSize(SCORECARDS));
        long opened = System.nanoTime();
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(latestDayRollupProcessMissing()).isEqualTo(SCORECARDS));
        LOG.info("after kill -9: RUNNING {} ms after the restart, every label in ClickHouse after {} ms, every gap open after"
                        + " {} ms, the roll-up counts them after {} ms", ms(restarted, running), ms(restarted, labelled),
                ms(restarted, opened), ms(restarted, System.nanoTime()));

        // 20 FINAL + 5 CORRECTION + 2 DELETE, each once
        assertThat(physicalRows()).as("physical rows (merges stopped): each label written once")
                .isEqualTo(CONVERSATIONS + CONVERSATIONS / 4 + 2);
        assertThat(openedGaps().values()).as("one OPENED per scorecard").allMatch(n -> n == 1);
    }

    @Test
    void shouldWriteHeldLabelsAfterACleanStopInsideTheSettleWindowAndRejoinAtOnce() throws Exception {
        startRun();
        awaitRunning(Duration.ofMinutes(2));
        sql(i -> "INSERT INTO app.chats (conversation_id, customer_id, profile_id, agent_user_id, usecase_id, ended_at)"
                + " VALUES ('conv-" + i + "', 'cust-1', 'prof-1', 'agent-a', 'uc-1', now())", CONVERSATIONS);
        Thread.sleep(2_000); // the moment of the stop is the point of the test
        run.destroy(); // SIGTERM: the shutdown hook closes the topologies, which leave the group
        assertThat(run.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(visibleLabels()).as("still held when the process stopped").isEmpty();

        long restarted = System.nanoTime();
        startRun();
        long running = awaitRunning(Duration.ofMinutes(2));
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(visibleLabels()).isEqualTo(truth()));
        LOG.info("after a clean stop: RUNNING {} ms after the restart, every label in ClickHouse after {} ms",
                ms(restarted, running), ms(restarted, System.nanoTime()));
        assertThat(physicalRows()).isEqualTo(CONVERSATIONS);
    }

    private void startRun() throws IOException {
        runs++;
        // left behind by a process killed with SIGKILL; the new process deletes it too, but only once it has started
        Files.deleteIfExists(healthFile);
        run = SentinelProcess.builder(workDir.resolve("run-" + runs + ".log"), "run", "--config", configFile.toString()).start();
    }

    /** Waits for the health file `run` keeps while every topology is RUNNING and the sink runs; returns nanoTime. */
    private long awaitRunning(Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(50)).until(() -> {
            assertThat(run.isAlive()).as("run exited; see " + workDir).isTrue();
            return Files.exists(healthFile);
        });
        return System.nanoTime();
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

    /** process_missing of the latest DAY roll-up of cust-1/prof-1 on the rates topic. */
    private long latestDayRollupProcessMissing() {
        AvroSerdes avro = new AvroSerdes(RegistrySettings.from(config));
        List<ConsumerRecord<GapRateKey, GapRate>> records = TopicReader.readAll(KafkaSettings.from(config).bootstrap(),
                TopicNames.from(config).gapRates(), avro.forKeys(GapRateKey.class).deserializer(),
                avro.forValues(GapRate.class).deserializer());
        return records.stream().filter(r -> r.value() != null && r.value().getBucketSize().name().equals("DAY"))
                .reduce((a, b) -> b).map(r -> r.value().getProcessMissing()).orElse(-1L);
    }

    private List<String> visibleLabels() {
        String rows = ClickHouseServer.execute(clickhouseUrl, "SELECT concat(conversation_id, ':', ifNull(agent_user_id, ''),"
                + " ':', ifNull(usecase_id, '')) AS row FROM " + table.qualifiedName() + " FINAL WHERE is_deleted = 0 ORDER BY row");
        return rows.isBlank() ? List.of() : java.util.Arrays.stream(rows.strip().split("\n")).sorted().toList();
    }

    private long physicalRows() {
        return Long.parseLong(ClickHouseServer.execute(clickhouseUrl, "SELECT count() FROM " + table.qualifiedName()).strip());
    }

    private List<String> truth() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(TRUTH)) {
            List<String> rows = new java.util.ArrayList<>();
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
            return rows.stream().sorted().toList();
        }
    }

    private void sql(java.util.function.IntFunction<String> statement, int count) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            for (int i = 0; i < count; i++) {
                s.execute(statement.apply(i));
            }
        }
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
    }

    private static long ms(long from, long to) {
        return (to - from) / 1_000_000;
    }
}
