package io.cdcsentinel.backfill;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcsentinel.avro.GapEventType;
import io.cdcsentinel.avro.GapRate;
import io.cdcsentinel.avro.GapRateKey;
import io.cdcsentinel.avro.ScorecardGapEvent;
import io.cdcsentinel.avro.ScorecardGapKey;
import io.cdcsentinel.cli.Console;
import io.cdcsentinel.cli.Main;
import io.cdcsentinel.config.ClickHouseSettings;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.RegistrySettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.kafka.TopicScan;
import io.cdcsentinel.sink.LabelStore;
import io.cdcsentinel.sink.LabelTable;
import io.cdcsentinel.config.SinkSettings;
import io.cdcsentinel.testing.SentinelProcess;
import io.cdcsentinel.testing.StackExtension;
import io.cdcsentinel.testing.StackFixture;
import io.cdcsentinel.testing.TestStack;
import io.cdcsentinel.topology.AvroSerdes;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code bin/sentinel backfill} against the real servers: a window ten months old, older than every horizon and than
 * anything the CDC topics hold, is re-read from PostgreSQL through Debezium's incremental snapshot, rebuilt into the
 * shadow outputs, and applied once.
 */
@ExtendWith(StackExtension.class)
class BackfillIT {
    static final String FROM = "2026-02-01";
    static final String TO = "2026-02-02";

    /** The window's rows, plus rows outside it that the backfill must leave alone. */
    static void writeHistory(ConfigSource config) throws Exception {
        try (Connection c = DriverManager.getConnection(config.raw("postgres.url").orElseThrow(),
                config.raw("postgres.user").orElse(null), config.raw("postgres.password").orElse(null));
                Statement st = c.createStatement()) {
            st.execute("""
                    INSERT INTO app.chats (conversation_id, customer_id, profile_id, agent_user_id, usecase_id, created_at, ended_at) VALUES
                      ('cv-1', 'bf-a', 'p1', 'agent-1', 'billing', '2026-02-01T09:00:00Z', '2026-02-01T09:30:00Z'),
                      ('cv-2', 'bf-a', 'p1', 'agent-2', 'sales',   '2026-02-01T11:00:00Z', '2026-02-01T11:20:00Z'),
                      ('cv-3', 'bf-a', 'p1', 'agent-2', 'sales',   '2026-02-01T12:00:00Z', NULL),
                      ('cv-b', 'bf-b', 'p9', 'agent-9', 'support', '2026-02-01T13:00:00Z', '2026-02-01T13:10:00Z'),
                      ('cv-old', 'bf-a', 'p1', 'agent-1', 'billing', '2026-01-20T09:00:00Z', '2026-01-20T09:30:00Z'),
                      ('cv-out', 'bf-a', 'p1', 'agent-1', 'billing', '2026-02-05T09:00:00Z', '2026-02-05T09:30:00Z');
                    INSERT INTO app.chat_events (event_id, customer_id, profile_id, conversation_id, event_type, created_at) VALUES
                      ('e1', 'bf-a', 'p1', 'cv-1', 'ASSIST_SHOWN', '2026-02-01T09:05:00Z'),
                      ('e2', 'bf-a', 'p1', 'cv-1', 'ASSIST_USED',  '2026-02-01T09:06:00Z'),
                      ('e3', 'bf-a', 'p1', 'cv-2', 'BOT_HANDOFF',  '2026-02-01T11:05:00Z'),
                      ('e4', 'bf-a', 'p1', 'cv-2', 'BOT_RESOLVED', '2026-02-01T11:15:00Z'),
                      ('e5', 'bf-a', 'p1', 'cv-out', 'ASSIST_USED', '2026-02-05T09:05:00Z');
                    INSERT INTO director.scorecards (customer, profile, resource_id, template_id, conversation_id, scorecard_type,
                        calibrated_scorecard_id, created_at, submitted_at) VALUES
                      ('bf-a', 'p1', 'sc-gap-1', 't1', 'cv-1', NULL, NULL, '2026-02-01T10:00:00Z', '2026-02-01T10:30:00Z'),
                      ('bf-a', 'p1', 'sc-gap-2', 't1', 'cv-old', 0, NULL, '2026-02-01T10:05:00Z', NULL),
                      ('bf-a', 'p1', 'sc-process', 't2', NULL, NULL, NULL, '2026-02-01T10:10:00Z', NULL),
                      ('bf-a', 'p1', 'sc-ok', 't1', 'cv-2', NULL, NULL, '2026-02-01T10:15:00Z', NULL),
                      ('bf-a', 'p1', 'sc-appeal', 't1', 'cv-2', 2, NULL, '2026-02-01T10:20:00Z', NULL),
                      ('bf-a', 'p1', 'sc-calibration', 't1', 'cv-2', NULL, 'sc-ok', '2026-02-01T10:25:00Z', NULL),
                      ('bf-b', 'p9', 'sc-b1', 't9', 'cv-b', NULL, NULL, '2026-02-01T14:00:00Z', NULL),
                      ('bf-a', 'p1', 'sc-out', 't1', 'cv-out', NULL, NULL, '2026-02-05T10:00:00Z', NULL);
                    INSERT INTO director.scores (customer, profile, resource_id, scorecard_id, criterion_id, numeric_value) VALUES
                      ('bf-a', 'p1', 's1', 'sc-gap-1', 'k1', 3), ('bf-a', 'p1', 's2', 'sc-gap-1', 'k2', 4),
                      ('bf-a', 'p1', 's3', 'sc-ok', 'k1', 5);
                    INSERT INTO historic.scorecard_scores (customer_id, profile_id, scorecard_id, criterion_id, score) VALUES
                      ('bf-a', 'p1', 'sc-ok', 'k1', 5);
                    """);
        }
    }

    static ConfigSource config(StackFixture stack, String clickhouseDatabase) {
        return stack.config(Map.of(
                ClickHouseSettings.DATABASE.name(), clickhouseDatabase,
                KafkaSettings.TOPIC_PARTITIONS.name(), "2",
                "gaps.grace", "3s",
                "gaps.clock.idle.after", "1s",
                "labels.settle.window", "1s",
                "labels.fallback.idle", "1s"));
    }

    static int backfill(Path configFile, ByteArrayOutputStream out, String... extra) {
        PrintStream previous = System.out;
        PrintStream capture = new PrintStream(out, true, StandardCharsets.UTF_8);
        Console.redirect(capture, capture);
        try {
            String[] args = java.util.stream.Stream.concat(java.util.stream.Stream.of("backfill", "--config", configFile.toString(),
                    "--from", FROM, "--to", TO), java.util.Arrays.stream(extra)).toArray(String[]::new);
            return Main.execute(args);
        } finally {
            Console.redirect(previous, System.err);
            System.err.print(out.toString(StandardCharsets.UTF_8)); // the command's output, for the test log
        }
    }

    static Map<String, GapEventType> latestGaps(ConfigSource config, String topic) {
        TopicNames names = TopicNames.from(config);
        TopicNames read = new TopicNames(names.prefix(), topic, names.gapRates(), names.labels(), names.deadLetters());
        AvroSerdes avro = new AvroSerdes(RegistrySettings.from(config));
        Map<String, GapEventType> latest = new TreeMap<>();
        new TopicScan().scan(KafkaSettings.from(config), read.gaps(), avro.forKeys(ScorecardGapKey.class).deserializer(),
                avro.forValues(ScorecardGapEvent.class).deserializer(), (k, v) -> {
                    if (v == null) {
                        latest.remove(k.getCustomer() + "/" + k.getScorecardId());
                    } else {
                        latest.put(k.getCustomer() + "/" + k.getScorecardId(), v.getEventType());
                    }
                });
        return latest;
    }

    /** customer/profile/size/start -> the latest roll-up of that bucket. */
    static Map<String, GapRate> latestRates(ConfigSource config, String topic) {
        AvroSerdes avro = new AvroSerdes(RegistrySettings.from(config));
        Map<String, GapRate> latest = new TreeMap<>();
        new TopicScan().scan(KafkaSettings.from(config), topic, avro.forKeys(GapRateKey.class).deserializer(),
                avro.forValues(GapRate.class).deserializer(), (k, v) -> latest.put(k.getCustomer() + "/" + k.getProfile() + "/"
                        + k.getBucketSize() + "/" + k.getBucketStart(), v));
        return latest;
    }

    static List<String> rows(ConfigSource config, String table) {
        ClickHouseSettings clickhouse = ClickHouseSettings.from(config);
        LabelTable t = new LabelTable(clickhouse.database(), table, SinkSettings.Layout.REPLACING);
        try (LabelStore store = new LabelStore(clickhouse, t)) {
            return store.query("SELECT customer_id, conversation_id, agent_user_id, assist_used_count, bot_outcome, version FROM "
                    + t.qualifiedName() + " ORDER BY customer_id, conversation_id, version").stream()
                    .map(r -> String.join(" ", r)).toList();
        }
    }

    @Test
    void shouldRebuildAWindowOlderThanEveryHorizonFromAResnapshotAndApplyItOnce(StackFixture shared) throws Exception {
        StackFixture stack = shared;
        ConfigSource config = config(stack, stack.createClickHouseDatabase());
        writeHistory(config);
        Path dir = Files.createDirectories(TestStack.targetDir().resolve("backfill-it").resolve(config.raw("topic.prefix").get()));
        Path configFile = SentinelProcess.writeConfig(config, dir.resolve("backfill.properties"), "backfill under test");
        BackfillPlan plan = BackfillPlan.of(config, new BackfillWindow(Instant.parse("2026-02-01T00:00:00Z"),
                Instant.parse("2026-02-02T00:00:00Z"), List.of()), Instant.now());

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = backfill(configFile, out);
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(printed).isZero();
        assertThat(printed).contains("source           snapshot").contains("4 OPENED");

        assertThat(latestGaps(config, plan.shadowTopics().gaps())).isEqualTo(Map.of(
                "bf-a/sc-gap-1", GapEventType.OPENED, "bf-a/sc-gap-2", GapEventType.OPENED,
                "bf-a/sc-process", GapEventType.OPENED, "bf-b/sc-b1", GapEventType.OPENED));
        assertThat(latestGaps(config, TopicNames.from(config).gaps())).as("nothing applied yet").isEmpty();
        List<String> shadowRows = rows(config, plan.shadowTable());
        assertThat(shadowRows).extracting(r -> r.split(" ")[0] + "/" + r.split(" ")[1])
                .as("the window's ended conversations (and cv-old, which a window scorecard refers to, in the shadow table only)")
                .contains("bf-a/cv-1", "bf-a/cv-2", "bf-b/cv-b").doesNotContain("bf-a/cv-3", "bf-a/cv-out");
        assertThat(shadowRows).filteredOn(r -> r.contains(" cv-1 ")).singleElement().asString().contains("agent-1 1 ");
        assertThat(shadowRows).filteredOn(r -> r.contains(" cv-2 ")).singleElement().asString().contains("HANDOFF");

        BackfillReport report = BackfillState.JSON.readValue(plan.workDir().resolve("report.json").toFile(), BackfillReport.class);
        assertThat(report.total(report.gapEvents(), "OPENED")).isEqualTo(4);
        assertThat(report.total(report.labels(), "FINAL")).isEqualTo(3);
        assertThat(report.shadowTableRows()).isEqualTo(3);
        // the roll-ups leave a rate emit interval (30 s by default) after the last gap is decided: the backfill waits for
        // them (it stopped before them, with 0 buckets, until it counted that interval)
        assertThat(report.rateBuckets()).as("bf-a/p1 and bf-b/p9, an hour and a day bucket each").isEqualTo(4);
        assertThat(report.rateBucketsAlerting()).as("below gaps.rates.min.volume").isZero();
        GapRate day = latestRates(config, plan.shadowTopics().gapRates()).get("bf-a/p1/DAY/2026-02-01T00:00:00Z");
        assertThat(day).isNotNull();
        // sc-gap-1 submitted and missing; sc-gap-2, sc-process (a process scorecard) missing, sc-ok present; appeal and
        // calibration copy not eligible
        assertThat(List.of(day.getSubmittedTotal(), day.getSubmittedMissing(), day.getUnsubmittedTotal(),
                day.getUnsubmittedMissing(), day.getProcessTotal(), day.getProcessMissing())).containsExactly(1L, 1L, 3L, 2L, 1L, 1L);
        assertThat(report.snapshotRowsScanned()).containsKeys("director.scorecards", "app.chats");
        // verify of the shadow outputs against PostgreSQL, pinned to the backfill's end offsets
        assertThat(report.verify().ran()).as(report.verify().summary()).isTrue();
        assertThat(report.verify().differences()).as(report.verify().summary()).isZero();
        assertThat(report.verify().inFlight()).as(report.verify().summary()).isZero();
        assertThat(printed).contains("verify           verify: 0 difference(s)");
        assertThat(Files.readString(plan.workDir().resolve("verify.txt"))).containsPattern("bf-a\\s+2026-02-01\\s+2\\s+2\\s+0");

        // --apply: onto the real topic and table, once
        out.reset();
        assertThat(backfill(configFile, out, "--apply")).as(out.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains(" 4 roll-ups, 3 label rows inserted");
        assertThat(latestGaps(config, TopicNames.from(config).gaps())).isEqualTo(latestGaps(config, plan.shadowTopics().gaps()));
        assertThat(latestRates(config, TopicNames.from(config).gapRates())).containsOnlyKeys(
                latestRates(config, plan.shadowTopics().gapRates()).keySet());
        List<String> live = rows(config, plan.liveTable());
        assertThat(live).hasSize(3);
        long gapRecords = countRecords(config, TopicNames.from(config).gaps());

        out.reset();
        assertThat(backfill(configFile, out, "--apply")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains(" 0 roll-ups, 0 label rows inserted").contains("4 already in that state");
        assertThat(rows(config, plan.liveTable())).as("no version written twice").isEqualTo(live);
        assertThat(countRecords(config, TopicNames.from(config).gaps())).as("no second OPENED").isEqualTo(gapRecords);
        assertNoSlotLeft(config, plan.snapshotSlot());
    }

    /**
     * Debezium ends the scan of a table whose chunk query fails (here: the backfill's user may not read
     * historic.scorecard_scores) with status SQL_EXCEPTION and goes on; the backfill used to replay the rest and report
     * sc-ok, whose historic row it never read, as a fifth gap, exit 0. It must stop before its replay, and a rerun once
     * the privilege is granted must read every table.
     */
    @Test
    void shouldStopWhenDebeziumCannotReadATableAndRebuildTheWindowOnceItCan(StackFixture stack) throws Exception {
        ConfigSource admin = config(stack, stack.createClickHouseDatabase());
        writeHistory(admin);
        BackfillPlan plan = BackfillPlan.of(admin, new BackfillWindow(Instant.parse("2026-02-01T00:00:00Z"),
                Instant.parse("2026-02-02T00:00:00Z"), List.of()), Instant.now());
        String role = "bf_" + plan.snapshotSlot().replaceAll("[^a-z0-9]", "").substring(0, 20);
        try (Connection c = DriverManager.getConnection(admin.raw("postgres.url").orElseThrow(),
                admin.raw("postgres.user").orElse(null), admin.raw("postgres.password").orElse(null));
                Statement st = c.createStatement()) {
            st.execute("CREATE ROLE " + role + " LOGIN REPLICATION PASSWORD 'bf-secret'");
            st.execute("GRANT USAGE ON SCHEMA app, director, historic TO " + role);
            st.execute("GRANT SELECT ON app.chats, app.chat_events, director.scorecards, director.scores TO " + role);
            // a publication of the five tables needs their owner: created for the backfill, as a DBA would
            st.execute("CREATE PUBLICATION " + plan.snapshotPublication() + " FOR TABLE app.chat_events, app.chats,"
                    + " historic.scorecard_scores, director.scores, director.scorecards");
        }
        ConfigSource config = admin.with(Map.of("postgres.user", role, "postgres.password", "bf-secret"));
        Path dir = Files.createDirectories(TestStack.targetDir().resolve("backfill-it").resolve(config.raw("topic.prefix").get()));
        Path configFile = SentinelProcess.writeConfig(config, dir.resolve("backfill.properties"), "backfill under test");

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream previousErr = System.err;
        int exit;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8)); // picocli prints a failed command's error there
        try {
            exit = backfill(configFile, out);
        } finally {
            System.setErr(previousErr);
            System.err.print(err.toString(StandardCharsets.UTF_8));
        }
        String printed = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(printed).isNotZero();
        assertThat(printed).contains("could not read historic.scorecard_scores").contains("SQL_EXCEPTION")
                .contains("rerun the same command");
        assertThat(plan.workDir().resolve("report.json")).as("no report of a window without its rows").doesNotExist();
        assertThat(latestGaps(config, plan.shadowTopics().gaps())).as("nothing replayed").isEmpty();

        try (Connection c = DriverManager.getConnection(admin.raw("postgres.url").orElseThrow(),
                admin.raw("postgres.user").orElse(null), admin.raw("postgres.password").orElse(null));
                Statement st = c.createStatement()) {
            st.execute("GRANT SELECT ON historic.scorecard_scores TO " + role);
        }
        out.reset();
        exit = backfill(configFile, out);
        printed = out.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(printed).isZero();
        assertThat(latestGaps(config, plan.shadowTopics().gaps())).as("sc-ok has its historic row: no gap").isEqualTo(Map.of(
                "bf-a/sc-gap-1", GapEventType.OPENED, "bf-a/sc-gap-2", GapEventType.OPENED,
                "bf-a/sc-process", GapEventType.OPENED, "bf-b/sc-b1", GapEventType.OPENED));
        BackfillReport report = BackfillState.JSON.readValue(plan.workDir().resolve("report.json").toFile(), BackfillReport.class);
        assertThat(report.snapshotRowsScanned()).containsEntry("historic.scorecard_scores", 1L);
        assertThat(report.verify().differences()).as(report.verify().summary()).isZero();
        assertNoSlotLeft(admin, plan.snapshotSlot());
    }

    static long countRecords(ConfigSource config, String topic) {
        long[] n = {0};
        new TopicScan().scan(KafkaSettings.from(config), topic, new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(), (k, v) -> n[0]++);
        return n[0];
    }

    static void assertNoSlotLeft(ConfigSource config, String slot) throws Exception {
        try (Connection c = DriverManager.getConnection(config.raw("postgres.url").orElseThrow(),
                config.raw("postgres.user").orElse(null), config.raw("postgres.password").orElse(null));
                Statement st = c.createStatement();
                var rs = st.executeQuery("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot + "'")) {
            rs.next();
            assertThat(rs.getInt(1)).as("the re-snapshot's slot is dropped").isZero();
        }
    }
}
