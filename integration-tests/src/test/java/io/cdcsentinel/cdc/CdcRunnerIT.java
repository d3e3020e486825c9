package io.cdcsentinel.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cdcsentinel.config.CdcSettings;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.PostgresSettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.testing.StackExtension;
import io.cdcsentinel.testing.StackFixture;
import io.cdcsentinel.testing.TopicReader;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Debezium (embedded) -> Kafka against a real PostgreSQL 17 and a real Kafka broker. */
@ExtendWith(StackExtension.class)
class CdcRunnerIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(90);

    record Pipeline(ConfigSource config, PostgresSettings postgres, KafkaSettings kafka, CdcSettings cdc, TopicNames topics) {
        static Pipeline of(ConfigSource config) {
            return new Pipeline(config, PostgresSettings.from(config), KafkaSettings.from(config), CdcSettings.from(config),
                    TopicNames.from(config));
        }

        CdcRunner runner() {
            return new CdcRunner(postgres, kafka, cdc, topics);
        }

        Connection connect() throws SQLException {
            return DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
        }

        void sql(String... statements) throws SQLException {
            try (Connection c = connect(); Statement s = c.createStatement()) {
                for (String statement : statements) {
                    s.execute(statement);
                }
            }
        }

        List<Change> changes(String topic) {
            List<Change> result = new ArrayList<>();
            for (ConsumerRecord<String, String> r : TopicReader.readAll(kafka.bootstrap(), topic)) {
                result.add(Change.of(r));
            }
            return result;
        }

        List<Change> awaitChanges(String topic, Predicate<List<Change>> done) {
            List<List<Change>> last = new ArrayList<>(List.of(List.of()));
            await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() -> {
                last.set(0, changes(topic));
                return done.test(last.get(0));
            });
            return last.get(0);
        }
    }

    /** One record of a CDC topic: key JSON, envelope JSON (null for a tombstone). */
    record Change(JsonNode key, JsonNode value) {
        static Change of(ConsumerRecord<String, String> r) {
            try {
                return new Change(JSON.readTree(r.key()), r.value() == null ? null : JSON.readTree(r.value()));
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + r, e);
            }
        }

        String op() {
            return value == null ? "tombstone" : value.get("op").asText();
        }

        JsonNode after() {
            return value.get("after");
        }

        JsonNode before() {
            return value.get("before");
        }

        long version() {
            return ChangeEventDeserializer.parse(value).source().version();
        }
    }

    @Test
    void shouldCaptureInsertUpdateAndDeleteOfEveryTableWithItsKeyAndEnvelope(StackFixture stack) throws Exception {
        Pipeline p = Pipeline.of(stack.config());
        try (CdcRunner runner = p.runner()) {
            runner.start();
            awaitStreaming(p);
            p.sql("INSERT INTO director.scorecards (customer, profile, resource_id, template_id, conversation_id) VALUES ('cu','pr','sc1','t1','cv1')",
                    "UPDATE director.scorecards SET submitted_at = now() WHERE resource_id = 'sc1'",
                    "DELETE FROM director.scorecards WHERE resource_id = 'sc1'",
                    "INSERT INTO director.scores (customer, profile, resource_id, scorecard_id, criterion_id, numeric_value) VALUES ('cu','pr','s1','sc1','k1', 3.50)",
                    "UPDATE director.scores SET numeric_value = 4 WHERE resource_id = 's1'",
                    "DELETE FROM director.scores WHERE resource_id = 's1'",
                    "INSERT INTO historic.scorecard_scores (customer_id, profile_id, scorecard_id, criterion_id, score) VALUES ('cu','pr','sc1','k1', 3.5)",
                    "UPDATE historic.scorecard_scores SET score = 4 WHERE scorecard_id = 'sc1'",
                    "DELETE FROM historic.scorecard_scores WHERE scorecard_id = 'sc1'",
                    "INSERT INTO app.chats (conversation_id, customer_id, profile_id, agent_user_id, usecase_id) VALUES ('cv1','cu','pr','a1','u1')",
                    "UPDATE app.chats SET ended_at = '2026-01-21 10:00:00+00' WHERE conversation_id = 'cv1'",
                    "DELETE FROM app.chats WHERE conversation_id = 'cv1'",
                    "INSERT INTO app.chat_events (event_id, customer_id, profile_id, conversation_id, event_type) VALUES ('e1','cu','pr','cv1','ASSIST_SHOWN')",
                    "UPDATE app.chat_events SET event_type = 'ASSIST_USED' WHERE event_id = 'e1'",
                    "DELETE FROM app.chat_events WHERE event_id = 'e1'");

            Map<String, String> keys = Map.of(
                    p.topics().scorecards(), "{\"customer\":\"cu\",\"profile\":\"pr\",\"resource_id\":\"sc1\"}",
                    p.topics().scores(), "{\"customer\":\"cu\",\"profile\":\"pr\",\"resource_id\":\"s1\"}",
                    p.topics().historicScores(), "{\"customer_id\":\"cu\",\"profile_id\":\"pr\",\"scorecard_id\":\"sc1\",\"criterion_id\":\"k1\"}",
                    p.topics().chats(), "{\"customer_id\":\"cu\",\"profile_id\":\"pr\",\"conversation_id\":\"cv1\"}",
                    p.topics().chatEvents(), "{\"customer_id\":\"cu\",\"profile_id\":\"pr\",\"event_id\":\"e1\"}");
            for (var entry : keys.entrySet()) {
                Predicate<Change> ofRow = c -> c.key().toString().equals(entry.getValue());
                List<Change> changes = p.awaitChanges(entry.getKey(), c -> c.stream().filter(ofRow).count() >= 4)
                        .stream().filter(ofRow).toList();
                assertThat(changes).as(entry.getKey()).extracting(Change::op).containsExactly("c", "u", "d", "tombstone");
                Change create = changes.get(0);
                assertThat(create.before().isNull()).isTrue();
                assertThat(create.value().get("source").get("lsn").isNumber()).isTrue();
                assertThat(create.value().get("source").get("txId").isNumber()).isTrue();
                assertThat(create.value().get("source").get("ts_ms").isNumber()).isTrue();
                assertThat(create.value().get("source").get("sequence").isTextual()).isTrue();
                assertThat(create.value().get("transaction").get("total_order").asLong()).isEqualTo(1);
                Change delete = changes.get(2);
                assertThat(delete.after().isNull()).isTrue();
                assertThat(delete.before().isObject()).isTrue();
            }
            Change endedAt = p.changes(p.topics().chats()).stream()
                    .filter(c -> c.op().equals("u") && c.key().get("conversation_id").asText().equals("cv1")).findFirst().orElseThrow();
            assertThat(endedAt.before().get("ended_at").isNull()).isTrue();
            assertThat(endedAt.after().get("ended_at").asText()).isEqualTo("2026-01-21T10:00:00.000000Z");
            assertThat(p.changes(p.topics().scores()).get(0).after().get("numeric_value").asText()).isEqualTo("3.50");
        }
    }

    @Test
    void shouldSnapshotRowsThatExistedBeforeTheFirstStart(StackFixture stack) throws Exception {
        Pipeline p = Pipeline.of(stack.config());
        p.sql("INSERT INTO app.chats (conversation_id, customer_id, profile_id) VALUES ('old1','cu','pr'), ('old2','cu','pr')",
                "INSERT INTO historic.scorecard_scores (customer_id, profile_id, scorecard_id, criterion_id) VALUES ('cu','pr','sc0','k1')");
        try (CdcRunner runner = p.runner()) {
            runner.start();
            List<Change> chats = p.awaitChanges(p.topics().chats(), c -> c.size() >= 2);
            assertThat(chats).extracting(Change::op).containsExactly("r", "r");
            assertThat(chats).allSatisfy(c -> assertThat(c.value().get("source").get("snapshot").asText()).isNotEqualTo("false"));
            assertThat(p.awaitChanges(p.topics().historicScores(), c -> c.size() >= 1)).extracting(Change::op).containsExactly("r");
        }
    }

    @Test
    void shouldKeepCommitOrderPerKeyWhenTransactionsTouchTwoTables(StackFixture stack) throws Exception {
        Pipeline p = Pipeline.of(stack.config());
        p.sql("INSERT INTO app.chats (conversation_id, customer_id, profile_id, agent_user_id) VALUES ('cv','cu','pr','a0')");
        try (CdcRunner runner = p.runner()) {
            runner.start();
            p.awaitChanges(p.topics().chats(), c -> c.size() >= 1);
            // A begins first and writes first, B commits first: commit order is B, A.
            try (Connection a = p.connect(); Connection b = p.connect()) {
                a.setAutoCommit(false);
                b.setAutoCommit(false);
                a.createStatement().execute("INSERT INTO app.chat_events (event_id, customer_id, profile_id, conversation_id, event_type) VALUES ('ea','cu','pr','cv','ASSIST_SHOWN')");
                b.createStatement().execute("INSERT INTO app.chat_events (event_id, customer_id, profile_id, conversation_id, event_type) VALUES ('eb','cu','pr','cv','ASSIST_USED')");
                b.createStatement().execute("UPDATE app.chats SET agent_user_id = 'b' WHERE conversation_id = 'cv'");
                b.commit();
                a.createStatement().execute("UPDATE app.chats SET agent_user_id = 'a' WHERE conversation_id = 'cv'");
                a.commit();
            }
            List<Change> chats = p.awaitChanges(p.topics().chats(), c -> c.size() >= 3);
            assertThat(chats).extracting(c -> c.after().get("agent_user_id").asText()).containsExactly("a0", "b", "a");
            List<Change> events = p.awaitChanges(p.topics().chatEvents(), c -> c.size() >= 2);
            // Topic order follows commit order (B before A) although A's insert has the lower LSN ...
            assertThat(events).extracting(c -> c.after().get("event_id").asText()).containsExactly("eb", "ea");
            assertThat(events.get(1).value().get("source").get("lsn").asLong())
                    .isLessThan(events.get(0).value().get("source").get("lsn").asLong());
            // ... and the version derived from the source position follows it too, across both tables.
            long bEvent = events.get(0).version();
            long bChat = chats.get(1).version();
            long aEvent = events.get(1).version();
            long aChat = chats.get(2).version();
            assertThat(bEvent).isLessThan(bChat);
            assertThat(bChat).isLessThan(aEvent);
            assertThat(aEvent).isLessThan(aChat);
        }
    }

    @Test
    void shouldResumeAfterARestartWithExactlyTheNewChanges(StackFixture stack) throws Exception {
        Pipeline p = Pipeline.of(stack.config());
        p.sql("INSERT INTO app.chats (conversation_id, customer_id, profile_id) SELECT 'pre' || g, 'cu', 'pr' FROM generate_series(1, 50) g");
        try (CdcRunner runner = p.runner()) {
            runner.start();
            p.awaitChanges(p.topics().chats(), c -> c.size() >= 50);
            p.sql("INSERT INTO app.chats (conversation_id, customer_id, profile_id) SELECT 'live' || g, 'cu', 'pr' FROM generate_series(1, 100) g");
            p.awaitChanges(p.topics().chats(), c -> c.size() >= 150);
        }
        // stopped: these changes happen while nothing captures
        p.sql("INSERT INTO app.chats (conversation_id, customer_id, profile_id) SELECT 'down' || g, 'cu', 'pr' FROM generate_series(1, 70) g",
                "UPDATE app.chats SET ended_at = now() WHERE conversation_id LIKE 'pre%'");
        try (CdcRunner runner = p.runner()) {
            runner.start();
            List<Change> all = p.awaitChanges(p.topics().chats(), c -> c.size() >= 270);
            // settle: anything extra (a duplicate or a second snapshot) would show up now
            p.sql("INSERT INTO app.chats (conversation_id, customer_id, profile_id) VALUES ('marker','cu','pr')");
            all = p.awaitChanges(p.topics().chats(), c -> c.stream().anyMatch(x -> "marker".equals(x.after().get("conversation_id").asText())));
            assertThat(all).hasSize(271);
            assertThat(all).filteredOn(c -> c.op().equals("r")).hasSize(50);
            assertThat(all).filteredOn(c -> c.op().equals("c")).hasSize(171);
            assertThat(all).filteredOn(c -> c.op().equals("u")).hasSize(50);
            assertThat(all.stream().map(c -> c.value().get("source").get("lsn").asLong() + "/" + c.key()).distinct().count())
                    .as("no duplicates").isEqualTo(271);
        }
    }

    private static void awaitStreaming(Pipeline p) throws Exception {
        // The publication and slot exist once the connector streams; a marker row proves it.
        p.sql("INSERT INTO app.chats (conversation_id, customer_id, profile_id) VALUES ('warmup','cu','pr')");
        p.awaitChanges(p.topics().chats(), c -> !c.isEmpty());
        p.sql("DELETE FROM app.chats WHERE conversation_id = 'warmup'");
        p.awaitChanges(p.topics().chats(), c -> c.size() >= 3);
    }
}
