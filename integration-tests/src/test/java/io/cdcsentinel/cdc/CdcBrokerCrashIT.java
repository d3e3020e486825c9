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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
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
        AtomicInteger committed = new AtomicInteger();
        AtomicReference<Throwable> writeFailure = new AtomicReference<>();
        ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "it-writer"));
        try (CdcRunner runner = new CdcRunner(postgres, kafka, CdcSettings.from(config), topics);
                Connection c = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
                PreparedStatement insert = c.prepareStatement(
                        "INSERT INTO app.chats (conversation_id, customer_id, profile_id) VALUES (?, 'cu', 'pr')")) {
            runner.start();
            // a stream of changes, not one burst, so that it spans the kill and the restart: 100 rows (one per
            // transaction) every 20 ms
            writer.scheduleAtFixedRate(() -> write(insert, committed, writeFailure), 0, 20, TimeUnit.MILLISECONDS);
            await().atMost(Duration.ofSeconds(60)).until(() -> committed.get() >= 1_000);

            stack.kafka().kill();
            await().atMost(Duration.ofSeconds(30)).until(() -> committed.get() >= 2_000);
            stack.kafka().start();

            await().atMost(Duration.ofSeconds(60)).until(() -> committed.get() >= 4_000);
            writer.shutdown();
            assertThat(writer.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            assertThat(writeFailure.get()).isNull();

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
        } finally {
            writer.shutdownNow();
        }
    }

    /** 100 rows, one per transaction (autocommit), numbered from the count committed so far. */
    private static void write(PreparedStatement insert, AtomicInteger committed, AtomicReference<Throwable> failure) {
        if (failure.get() != null) {
            return;
        }
        try {
            for (int i = 0; i < 100; i++) {
                insert.setString(1, "k" + committed.get());
                insert.executeUpdate();
                committed.incrementAndGet();
            }
        } catch (Exception e) {
            failure.compareAndSet(null, e);
        }
    }
}
