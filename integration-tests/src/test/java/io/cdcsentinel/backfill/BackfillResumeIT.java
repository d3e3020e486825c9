package io.cdcsentinel.backfill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import io.cdcsentinel.config.StreamsSettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.kafka.TopicScan;
import io.cdcsentinel.registry.SchemaRegistration;
import io.cdcsentinel.sink.LabelStore;
import io.cdcsentinel.sink.LabelTable;
import io.cdcsentinel.testing.SentinelProcess;
import io.cdcsentinel.testing.StackExtension;
import io.cdcsentinel.testing.StackFixture;
import io.cdcsentinel.testing.TestStack;
import io.cdcsentinel.topology.AvroSerdes;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A backfill from the retained CDC topics, killed with {@code kill -9} in the middle of its replay and rerun, gives the
 * same outputs as one that ran through: the same latest gap event per scorecard, one OPENED per gap, the same label
 * rows with no version written twice; and it stops at the end offsets it captured first, so a scorecard committed
 * after that (the live tail) is in neither.
 */
@ExtendWith(StackExtension.class)
class BackfillResumeIT {
    private static final int SCORECARDS = 3_000;
    private static final int CHATS = 1_500;

    private CdcRunner cdc;
    private Process process;

    @AfterEach
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        if (cdc != null) {
            cdc.close();
        }
    }

    @Test
    void shouldGiveTheSameOutputsWhenKilledAndRerunAndStopAtItsEndOffsets(StackFixture stack) throws Exception {
        String database = stack.createClickHouseDatabase();
        // (roll-ups a short emit interval after their gap: BackfillIT waits the default 30 s)
        ConfigSource config = BackfillIT.config(stack, database).with(Map.of("gaps.rates.emit.interval", "2s"));
        cdc = new CdcRunner(PostgresSettings.from(config), KafkaSettings.from(config), CdcSettings.from(config),
                TopicNames.from(config));
        cdc.start();
        sql(config, workload());
        TopicNames topics = TopicNames.from(config);
        long expected = 2L * SCORECARDS + SCORECARDS / 3 * 2 + CHATS + 2L * CHATS;
        await().atMost(Duration.ofMinutes(3)).until(() -> cdcRecords() >= expected);
        // a last change a few seconds after the workload (a chat outside the window), so the end offsets' position is
        // past the workload by more than verify's clock margin: its rows are decided, only the live tail is in flight
        Instant workloadCaptured = Instant.now();
        await().atMost(Duration.ofMinutes(1)).until(() -> Duration.between(workloadCaptured, Instant.now()).toSeconds() >= 3);
        sql(config, "INSERT INTO app.chats (conversation_id, customer_id, profile_id, created_at) VALUES ('cv-marker', 'rs-a', 'p1',"
                + " '2020-01-01T00:00:00Z')");
        await().atMost(Duration.ofMinutes(1)).until(() -> cdcRecords() >= expected + 1);

        // the reference: the same window, uninterrupted, under names of its own
        String reference = config.raw(StreamsSettings.APPLICATION_ID.name()).orElseThrow() + "-ref";
        ConfigSource referenceConfig = config.with(Map.of(StreamsSettings.APPLICATION_ID.name(), reference,
                TopicNames.GAPS.name(), reference + "-gaps", TopicNames.GAP_RATES.name(), reference + "-rates",
                TopicNames.LABELS.name(), reference + "-labels", SinkSettings.TABLE.name(), "labels_ref",
                SinkSettings.GROUP_ID.name(), reference + "-sink"));
        SchemaRegistration.registerAllOrFail(RegistrySettings.from(referenceConfig), TopicNames.from(referenceConfig));
        Path dir = Files.createDirectories(TestStack.targetDir().resolve("backfill-resume-it").resolve(database));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Path referenceFile = SentinelProcess.writeConfig(referenceConfig, dir.resolve("reference.properties"), "reference");
        assertThat(BackfillIT.backfill(referenceFile, out)).as(out.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("source           topics");

        // the backfill under test: killed once its replay is under way
        BackfillPlan plan = BackfillPlan.of(config, new BackfillWindow(Instant.parse(BackfillIT.FROM + "T00:00:00Z"),
                Instant.parse(BackfillIT.TO + "T00:00:00Z"), List.of()), Instant.now());
        Path configFile = SentinelProcess.writeConfig(config, dir.resolve("backfill.properties"), "backfill under test");
        process = SentinelProcess.builder(dir.resolve("backfill-killed.log"), "backfill", "--config", configFile.toString(),
                "--from", BackfillIT.FROM, "--to", BackfillIT.TO).start();
        Path state = plan.workDir().resolve("state.json");
        await().atMost(Duration.ofMinutes(2)).until(() -> Files.exists(state) && BackfillState.load(state).endOffsets != null);
        // the live tail: committed after the end offsets were captured, in the window, never historic
        sql(config, "INSERT INTO director.scorecards (customer, profile, resource_id, template_id, created_at) VALUES"
                + " ('rs-a', 'p1', 'sc-late', 't1', '2026-02-01T15:00:00Z')");
        try (KafkaPositions positions = new KafkaPositions(KafkaSettings.from(config))) {
            String group = io.cdcsentinel.topology.gaps.HistoricGapTopology.applicationId(plan.applicationId());
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100)).until(() -> !positions.committed(group).isEmpty());
        }
        process.destroyForcibly(); // SIGKILL in the middle of the replay
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(BackfillState.load(state).replayCompleted).as("killed before the end").isFalse();

        out.reset();
        assertThat(BackfillIT.backfill(configFile, out)).as(out.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(BackfillState.load(state).runs).isEqualTo(2);

        BackfillPlan referencePlan = BackfillPlan.of(referenceConfig, plan.window(), Instant.now());
        Map<String, String> resumed = gapHistory(config, plan.shadowTopics().gaps());
        assertThat(resumed).isEqualTo(gapHistory(referenceConfig, referencePlan.shadowTopics().gaps()));
        assertThat(resumed).hasSize(SCORECARDS / 3).doesNotContainKey("rs-a/sc-late")
                .allSatisfy((k, history) -> assertThat(history).as(k).isEqualTo("OPENED"));
        List<String> rows = labelRows(config, plan.shadowTable());
        assertThat(rows).hasSize(CHATS).isEqualTo(labelRows(referenceConfig, referencePlan.shadowTable()));
        assertThat(physicalRows(config, plan.shadowTable())).as("no version written twice").isEqualTo(CHATS);
        // verify, pinned to the end offsets: the live tail's scorecard is in flight, not a missing alert
        BackfillReport report = BackfillState.JSON.readValue(plan.workDir().resolve("report.json").toFile(), BackfillReport.class);
        assertThat(report.verify().differences()).as(report.verify().summary()).isZero();
        assertThat(report.verify().inFlight()).as(report.verify().summary()).isEqualTo(1);
    }

    private long cdcRecords() {
        return cdc.counts().entrySet().stream().filter(e -> !e.getKey().contains("heartbeat")).mapToLong(Map.Entry::getValue).sum();
    }

    /** 3,000 scorecards created in the window (every third without historic rows), 1,500 ended chats with two events. */
    private static String workload() {
        return "INSERT INTO app.chats (conversation_id, customer_id, profile_id, agent_user_id, usecase_id, created_at, ended_at)"
                + " SELECT 'cv-' || i, 'rs-' || (i % 3), 'p1', 'agent-' || (i % 7), 'uc-' || (i % 5),"
                + " '2026-02-01T00:00:00Z'::timestamptz + i * interval '30 seconds',"
                + " '2026-02-01T00:10:00Z'::timestamptz + i * interval '30 seconds' FROM generate_series(1, " + CHATS + ") i;"
                + "INSERT INTO app.chat_events (event_id, customer_id, profile_id, conversation_id, event_type, created_at)"
                + " SELECT 'e-' || i || '-' || k, 'rs-' || (i % 3), 'p1', 'cv-' || i,"
                + " CASE k WHEN 1 THEN 'ASSIST_SHOWN' ELSE CASE WHEN i % 2 = 0 THEN 'ASSIST_USED' ELSE 'BOT_HANDOFF' END END,"
                + " '2026-02-01T00:05:00Z'::timestamptz + i * interval '30 seconds' FROM generate_series(1, " + CHATS + ") i,"
                + " generate_series(1, 2) k;"
                + "INSERT INTO director.scorecards (customer, profile, resource_id, template_id, conversation_id, created_at)"
                + " SELECT 'rs-' || (i % 3), 'p1', 'sc-' || i, 't1', 'cv-' || (1 + i % " + CHATS + "),"
                + " '2026-02-01T01:00:00Z'::timestamptz + i * interval '10 seconds' FROM generate_series(1, " + SCORECARDS + ") i;"
                + "INSERT INTO director.scores (customer, profile, resource_id, scorecard_id, criterion_id, numeric_value)"
                + " SELECT 'rs-' || (i % 3), 'p1', 's-' || i, 'sc-' || i, 'k1', 3 FROM generate_series(1, " + SCORECARDS + ") i;"
                + "INSERT INTO historic.scorecard_scores (customer_id, profile_id, scorecard_id, criterion_id, score)"
                + " SELECT 'rs-' || (i % 3), 'p1', 'sc-' || i, k, 3 FROM generate_series(1, " + SCORECARDS + ") i,"
                + " unnest(ARRAY['k1', 'k2']) k WHERE i % 3 <> 0;";
    }

    private static void sql(ConfigSource config, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(config.raw("postgres.url").orElseThrow(),
                config.raw("postgres.user").orElse(null), config.raw("postgres.password").orElse(null));
                Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /** customer/scorecard -> its event types in order (a tombstone removes the key). */
    private static Map<String, String> gapHistory(ConfigSource config, String topic) {
        AvroSerdes avro = new AvroSerdes(RegistrySettings.from(config));
        Map<String, String> history = new TreeMap<>();
        new TopicScan().scan(KafkaSettings.from(config), topic, avro.forKeys(ScorecardGapKey.class).deserializer(),
                avro.forValues(ScorecardGapEvent.class).deserializer(), (k, v) -> {
                    String key = k.getCustomer() + "/" + k.getScorecardId();
                    if (v == null) {
                        history.remove(key);
                    } else {
                        history.merge(key, v.getEventType().name(), (a, b) -> a + " " + b);
                    }
                });
        return history;
    }

    private static List<String> labelRows(ConfigSource config, String table) {
        ClickHouseSettings clickhouse = ClickHouseSettings.from(config);
        LabelTable t = new LabelTable(clickhouse.database(), table, SinkSettings.Layout.REPLACING);
        try (LabelStore store = new LabelStore(clickhouse, t)) {
            List<String> rows = new ArrayList<>();
            store.query("SELECT customer_id, conversation_id, version, kind, agent_user_id, usecase_id, conversation_end_time,"
                    + " assist_shown_count, assist_used_count, bot_outcome FROM " + t.qualifiedName()
                    + " FINAL ORDER BY customer_id, conversation_id").forEach(r -> rows.add(String.join(" ", r)));
            return rows;
        }
    }

    private static long physicalRows(ConfigSource config, String table) {
        ClickHouseSettings clickhouse = ClickHouseSettings.from(config);
        LabelTable t = new LabelTable(clickhouse.database(), table, SinkSettings.Layout.REPLACING);
        try (LabelStore store = new LabelStore(clickhouse, t)) {
            return Long.parseLong(store.query("SELECT count() FROM " + t.qualifiedName()).get(0)[0]);
        }
    }
}
