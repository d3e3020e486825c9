package io.cdcsentinel.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.clickhouse.client.api.Client;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cdcsentinel.cdc.CdcRunner;
import io.cdcsentinel.cli.Console;
import io.cdcsentinel.cli.Main;
import io.cdcsentinel.cli.Pipeline;
import io.cdcsentinel.config.CdcSettings;
import io.cdcsentinel.config.ClickHouseSettings;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.GapSettings;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.LabelSettings;
import io.cdcsentinel.config.PostgresSettings;
import io.cdcsentinel.config.SinkSettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.sink.ClickHouseSink;
import io.cdcsentinel.sink.LabelStore;
import io.cdcsentinel.sink.LabelTable;
import io.cdcsentinel.testing.SentinelProcess;
import io.cdcsentinel.testing.StackExtension;
import io.cdcsentinel.testing.StackFixture;
import io.cdcsentinel.testing.TestStack;
import io.cdcsentinel.testing.TopicReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 15, item 2, on the real servers: {@code bin/sentinel verify} after the real pipeline (Debezium embedded, the
 * {@code run} pipeline with its sink) has processed a hand-written workload of two customers. First it must report
 * nothing on the correct window (exit 0); then each injected discrepancy must be named with its count (exit 1):
 * a label row deleted in ClickHouse (missing), a newer-version row with another agent written into ClickHouse by
 * someone else than the sink (stale: PostgreSQL is untouched, so the pipeline has nothing to correct; a change in
 * PostgreSQL would only test the pipeline, which corrects it), a row for a conversation PostgreSQL never had (extra),
 * and historic rows deleted in PostgreSQL while CDC is down (missing alert: PostgreSQL's rule says gap, the topic has
 * none). A PostgreSQL change CDC has not captured yet is in flight, not a difference.
 */
@ExtendWith(StackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VerifyIT {
    private static final Logger LOG = LoggerFactory.getLogger(VerifyIT.class);
    private static final int CHATS_PER_CUSTOMER = 10;
    /** Per customer: two plain gaps, one process scorecard and one submitted one without historic rows. */
    private static final int GAPS_PER_CUSTOMER = 4;

    private ConfigSource config;
    private Path configFile;
    private CdcRunner cdc;
    private Pipeline pipeline;
    private Client clickhouse;
    private LabelTable table;
    private Instant workloadEnd;
    private String from;
    private String to;

    @BeforeAll
    void runThePipelineOverAWorkload(StackFixture stack) throws Exception {
        config = stack.config(Map.of(
                ClickHouseSettings.DATABASE.name(), stack.createClickHouseDatabase(),
                LabelSettings.SETTLE_WINDOW.name(), "2s",
                LabelSettings.FALLBACK_IDLE.name(), "1s",
                GapSettings.GRACE.name(), "3s",
                GapSettings.CLOCK_IDLE_AFTER.name(), "1s",
                SinkSettings.BATCH_LINGER.name(), "200ms",
                // the slot confirms the pinned position at the latest with the next heartbeat
                CdcSettings.HEARTBEAT.name(), "1s"));
        configFile = SentinelProcess.writeConfig(config, TestStack.targetDir().resolve("verify-it")
                .resolve(TopicNames.from(config).prefix()).resolve("verify.properties"), "verify under test");
        ClickHouseSettings clickhouseSettings = ClickHouseSettings.from(config);
        table = ClickHouseSink.createTable(clickhouseSettings, SinkSettings.from(config));
        clickhouse = LabelStore.newClient(clickhouseSettings);
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        from = today.minusDays(1).toString();
        to = today.plusDays(1).toString();

        cdc = new CdcRunner(PostgresSettings.from(config), KafkaSettings.from(config), CdcSettings.from(config),
                TopicNames.from(config));
        cdc.start();
        pipeline = Pipeline.fromConfig(config);
        pipeline.start();
        try (Connection c = connect(); Statement st = c.createStatement()) {
            for (String customer : List.of("verify-a", "verify-b")) {
                for (int i = 0; i < CHATS_PER_CUSTOMER; i++) {
                    String conv = customer + "-conv-" + i;
                    st.execute("INSERT INTO app.chats (conversation_id, customer_id, profile_id, agent_user_id, usecase_id)"
                            + " VALUES ('" + conv + "', '" + customer + "', 'p1', 'agent-" + (i % 3) + "', 'uc-" + (i % 2) + "')");
                    st.execute(event(customer, conv, "e1", "ASSIST_SHOWN"));
                    if (i % 2 == 0) {
                        st.execute(event(customer, conv, "e2", "ASSIST_USED"));
                    }
                    if (i % 3 == 0) {
                        st.execute(event(customer, conv, "e3", "BOT_RESOLVED"));
                        st.execute(event(customer, conv, "e4", "BOT_HANDOFF"));
                    }
                }
                // a re-assignment before the end, and two conversations that stay open
                st.execute("UPDATE app.chats SET agent_user_id = 'agent-9', updated_at = now() WHERE customer_id = '" + customer
                        + "' AND conversation_id = '" + customer + "-conv-1'");
                st.execute("UPDATE app.chats SET ended_at = now(), updated_at = now() WHERE customer_id = '" + customer + "'");
                for (int i = 0; i < 2; i++) {
                    st.execute("INSERT INTO app.chats (conversation_id, customer_id, profile_id, agent_user_id, usecase_id)"
                            + " VALUES ('" + customer + "-open-" + i + "', '" + customer + "', 'p1', 'agent-1', 'uc-1')");
                }
                for (int i = 0; i < 4; i++) {
                    String sc = customer + "-present-" + i;
                    st.execute(scorecard(customer, sc, customer + "-conv-" + i, "NULL", "NULL", "NULL"));
                    st.execute("INSERT INTO historic.scorecard_scores (customer_id, profile_id, scorecard_id, criterion_id)"
                            + " VALUES ('" + customer + "', 'p1', '" + sc + "', 'crit-1')");
                }
                st.execute(scorecard(customer, customer + "-gap-0", customer + "-conv-5", "NULL", "NULL", "NULL"));
                st.execute(scorecard(customer, customer + "-gap-1", customer + "-conv-6", "0", "NULL", "NULL"));
                st.execute(scorecard(customer, customer + "-process-gap", "''", "NULL", "NULL", "NULL"));
                st.execute(scorecard(customer, customer + "-submitted-gap", customer + "-conv-7", "NULL", "NULL", "now()"));
                st.execute(scorecard(customer, customer + "-appeal", customer + "-conv-8", "2", "NULL", "NULL"));
                st.execute(scorecard(customer, customer + "-calibration", customer + "-conv-8", "NULL", "'x'", "NULL"));
            }
        }
        workloadEnd = Instant.now();
        String labelsCount = "SELECT count() FROM (SELECT is_deleted FROM " + table.qualifiedName() + " FINAL) WHERE is_deleted = 0";
        await("every ended conversation labelled in ClickHouse").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                .until(() -> query(labelsCount).get(0)[0].equals(String.valueOf(2 * CHATS_PER_CUSTOMER)));
    }

    @AfterAll
    void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {pipeline, cdc, clickhouse}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    @Order(1)
    void shouldReportNoDifferenceOnACorrectWindow() {
        await("verify agrees with PostgreSQL").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    Run run = verify("--json");
                    JsonNode json = new ObjectMapper().readTree(run.out());
                    assertThat(json.at("/gaps/total/open").asLong()).as(run.out()).isEqualTo(2 * GAPS_PER_CUSTOMER);
                    assertThat(run.exit()).as(run.out()).isZero();
                    assertThat(json.at("/difference_count").asLong()).isZero();
                    assertThat(json.at("/labels/total/expected").asLong()).isEqualTo(2 * CHATS_PER_CUSTOMER);
                    assertThat(json.at("/labels/total/found").asLong()).isEqualTo(2 * CHATS_PER_CUSTOMER);
                    assertThat(json.at("/gaps/total/expected_open").asLong()).isEqualTo(2 * GAPS_PER_CUSTOMER);
                    assertThat(json.at("/labels/days").size()).isEqualTo(2);
                });
        Run text = verify();
        LOG.info("verify on the correct window:\n{}", text.out());
        assertThat(text.exit()).isZero();
        assertThat(text.out()).contains("verify: 0 difference(s)").contains("-> exit 0");
        Run one = verify("--customer", "verify-b", "--json");
        assertThat(one.exit()).isZero();
        assertThat(one.out()).contains("\"customer\" : \"verify-b\"").doesNotContain("\"customer\" : \"verify-a\"");
    }

    @Test
    @Order(2)
    void shouldStopWithTwoNamingTheOptionOnAnUnknownCustomerOrUnreachableClickHouse() throws Exception {
        Run unknown = verify("--customer", "verify-a,nobody");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("--customer nobody: no such customer");
        Path broken = SentinelProcess.writeConfig(config.with(Map.of(ClickHouseSettings.URL.name(), "http://127.0.0.1:1")),
                configFile.resolveSibling("broken.properties"), "unreachable ClickHouse");
        Run unreachable = run("--config", broken.toString(), "--from", from, "--to", to);
        assertThat(unreachable.exit()).isEqualTo(2);
        assertThat(unreachable.err()).contains("clickhouse.url").contains("does not answer");
    }

    @Test
    @Order(3)
    void shouldNameEveryInjectedDiscrepancyWithItsCount() throws Exception {
        String t = table.qualifiedName();
        String columns = LabelTable.columnList();
        // missing: the row of verify-a-conv-2 deleted (a mutation; 18.16 has no lightweight DELETE)
        execute("ALTER TABLE " + t + " DELETE WHERE conversation_id = 'verify-a-conv-2'");
        await("the delete mutation done").atMost(Duration.ofMinutes(1)).until(() -> query(table.pendingMutations()).get(0)[0].equals("0"));
        // stale: a newer version of verify-b-conv-4 with another agent, written behind the sink's back
        execute("INSERT INTO " + t + " (" + columns + ") SELECT " + columns.replace("version", "version + 1 AS version")
                .replace("agent_user_id", "'agent-injected' AS agent_user_id") + " FROM " + t
                + " FINAL WHERE conversation_id = 'verify-b-conv-4'");
        // extra: a label for a conversation PostgreSQL never had
        execute("INSERT INTO " + t + " (" + columns + ") SELECT " + columns.replace("conversation_id", "'verify-a-ghost' AS conversation_id")
                // (from a subquery: in ClickHouse a SELECT alias is visible in its own WHERE)
                + " FROM (SELECT * FROM " + t + " FINAL WHERE conversation_id = 'verify-a-conv-3')");

        await("verify names the ClickHouse discrepancies").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    Run run = verify("--json");
                    JsonNode json = new ObjectMapper().readTree(run.out());
                    assertThat(run.exit()).as(run.out()).isEqualTo(1);
                    assertThat(json.at("/labels/total/missing").asLong()).as(run.out()).isEqualTo(1);
                    assertThat(json.at("/labels/total/stale").asLong()).as(run.out()).isEqualTo(1);
                    assertThat(json.at("/labels/total/extra").asLong()).as(run.out()).isEqualTo(1);
                    assertThat(json.at("/labels/total/in_flight").asLong()).as(run.out()).isZero();
                    assertThat(json.at("/difference_count").asLong()).as(run.out()).isEqualTo(3);
                });

        // A last change CDC captures, well after the workload (so the capture position of a stopped CDC is past the
        // workload's settle and grace), then CDC goes down and PostgreSQL changes behind its back.
        await("15 s after the workload").atMost(Duration.ofMinutes(1))
                .until(() -> Duration.between(workloadEnd, Instant.now()).toSeconds() >= 15);
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO app.chats (conversation_id, customer_id, profile_id, created_at) VALUES ('verify-tick', 'verify-a',"
                    + " 'p1', '2020-01-01T00:00:00Z')");
        }
        String chats = TopicNames.from(config).chats();
        await("the last change captured").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500))
                .until(() -> TopicReader.readAll(KafkaSettings.from(config).bootstrap(), chats).stream()
                        .anyMatch(r -> r.value() != null && r.value().contains("verify-tick")));
        cdc.close();
        cdc = null;
        // Until PostgreSQL notices the closed connection its walsender stays on the slot and may still decode (and count as
        // sent) the changes below: wait for the slot to be released so they are truly not captured.
        String slot = CdcSettings.from(config).slotName();
        await("the slot released by the stopped CDC").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    try (Connection c = connect(); Statement st = c.createStatement();
                            ResultSet rs = st.executeQuery("SELECT active FROM pg_replication_slots WHERE slot_name = '"
                                    + slot + "'")) {
                        return rs.next() && !rs.getBoolean(1);
                    }
                });
        try (Connection c = connect(); Statement st = c.createStatement()) {
            // missing alert: a scorecard whose historic rows disappear; its gap is due at once by PostgreSQL's rule
            st.execute("DELETE FROM historic.scorecard_scores WHERE customer_id = 'verify-b' AND scorecard_id = 'verify-b-present-1'");
            // in flight: a re-assignment the pipeline cannot have seen
            st.execute("UPDATE app.chats SET agent_user_id = 'agent-late', updated_at = now() WHERE customer_id = 'verify-a'"
                    + " AND conversation_id = 'verify-a-conv-5'");
        }
        // (PostgreSQL here runs with synchronous_commit=off: the write position stays behind these commits, and verify
        // pinned to it took the stopped slot for caught up; it pins to the insert position)
        Run text = verify("--wait", "3");
        LOG.info("verify after the injections:\n{}", text.out());
        assertThat(text.exit()).as(text.out()).isEqualTo(1);
        assertThat(text.out())
                .contains("verify: 4 difference(s) (labels: 1 missing, 1 extra, 1 stale; gaps: 1 missing alert, 0 extra alert), 1 in flight")
                .contains("labels missing verify-a/p1/verify-a-conv-2")
                .contains("labels stale verify-b/p1/verify-b-conv-4").contains("agent_user_id postgres=agent-1 clickhouse=agent-injected")
                .contains("labels extra verify-a/p1/verify-a-ghost")
                .contains("gaps missing alert verify-b/p1/verify-b-present-1")
                .contains("had not received the pinned LSN");
        assertThat(text.out()).containsPattern("verify-a\\s+\\d{4}-\\d\\d-\\d\\d\\s+10\\s+10\\s+1\\s+1\\s+0\\s+1");
        assertThat(text.out()).containsPattern("verify-b\\s+\\d{4}-\\d\\d-\\d\\d\\s+10\\s+10\\s+0\\s+0\\s+1\\s+0");
    }

    private Run verify(String... extra) {
        List<String> args = new ArrayList<>(List.of("verify", "--config", configFile.toString(), "--from", from, "--to", to));
        args.addAll(List.of(extra));
        return runMain(args);
    }

    private Run run(String... args) {
        List<String> all = new ArrayList<>(List.of("verify"));
        all.addAll(List.of(args));
        return runMain(all);
    }

    private static Run runMain(List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Console.redirect(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int exit = Main.execute(args.toArray(String[]::new));
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            Console.redirect(System.out, System.err);
        }
    }

    private record Run(int exit, String out, String err) {
    }

    private Connection connect() throws Exception {
        PostgresSettings pg = PostgresSettings.from(config);
        return DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
    }

    private static String event(String customer, String conv, String id, String type) {
        return "INSERT INTO app.chat_events (event_id, customer_id, profile_id, conversation_id, event_type) VALUES ('"
                + conv + "-" + id + "', '" + customer + "', 'p1', '" + conv + "', '" + type + "')";
    }

    private static String scorecard(String customer, String id, String conversation, String type, String calibrated,
            String submitted) {
        String conv = conversation.startsWith("'") ? conversation : "'" + conversation + "'";
        return "INSERT INTO director.scorecards (customer, profile, resource_id, template_id, conversation_id, scorecard_type,"
                + " calibrated_scorecard_id, submitted_at) VALUES ('" + customer + "', 'p1', '" + id + "', 'tpl-1', " + conv + ", "
                + type + ", " + calibrated + ", " + submitted + ")";
    }

    private void execute(String sql) throws Exception {
        clickhouse.execute(sql).get().close();
    }

    private List<String[]> query(String sql) throws Exception {
        try (LabelStore store = new LabelStore(ClickHouseSettings.from(config), table)) {
            return store.query(sql);
        }
    }
}
