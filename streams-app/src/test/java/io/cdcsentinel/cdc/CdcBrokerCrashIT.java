package io.cdcsentinel.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cdcsentinel.config.CdcSettings;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.PostgresSettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.local.Component;
import io.cdcsentinel.testing.StackExtension;
import io.cdcsentinel.testing.StackFixture;
import io.cdcsentinel.testing.TopicReader;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Invariant 1 across a broker crash: kill -9 the broker while changes stream, restart it, lose nothing. */
@ExtendWith(StackExtension.class)
class CdcBrokerCrashIT {

    @Test
    void shouldLoseNoChangeWhenTheBrokerIsKilledDuringAStreamOfChanges(StackFixture shared) throws Exception {
        StackFixture stack = shared.withPrivate(Component.KAFKA);
        ConfigSource config = stack.config();
        PostgresSettings postgres = PostgresSettings.from(config);
        KafkaSettings kafka = KafkaSettings.from(config);
        TopicNames topics = TopicNames.from(config);
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger committed = new AtomicInteger();
        try (CdcRunner runner = new CdcRunner(postgres, kafka, CdcSettings.from(config), topics)) {
            runner.start();
            Thread writer = new Thread(() -> writeUntilStopped(postgres, writing, committed), "it-writer");
            writer.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> committed.get() >= 1_000);

            stack.kafka().kill();
            await().atMost(Duration.ofSeconds(30)).until(() -> committed.get() >= 2_000);
            stack.kafka().start();

            await().atMost(Duration.ofSeconds(60)).until(() -> committed.get() >= 4_000);
            writing.set(false);
            writer.join();

            Set<String> expected = new TreeSet<>();
            for (int i = 0; i < committed.get(); i++) {
                expected.add("k" + i);
            }
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
                Set<String> captured = TopicReader.readAll(kafka.bootstrap(), topics.chats()).stream()
                        .map(r -> r.key().replaceAll(".*\"conversation_id\":\"([^\"]+)\".*", "$1"))
                        .collect(Collectors.toCollection(TreeSet::new));
                assertThat(captured).containsAll(expected);
            });
            assertThat(runner.failure()).isNull();
        }
    }

    /** One row per transaction, as fast as PostgreSQL takes them, until told to stop. */
    private static void writeUntilStopped(PostgresSettings postgres, AtomicBoolean writing, AtomicInteger committed) {
        try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
                PreparedStatement insert = c.prepareStatement(
                        "INSERT INTO app.chats (conversation_id, customer_id, profile_id) VALUES (?, 'cu', 'pr')")) {
            while (writing.get()) {
                insert.setString(1, "k" + committed.get());
                insert.executeUpdate();
                committed.incrementAndGet();
                if (committed.get() % 100 == 0) {
                    Thread.sleep(20); // paces the load (a stream, not a burst) across the kill and restart; no result is awaited here
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
