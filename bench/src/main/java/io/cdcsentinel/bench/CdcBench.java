package io.cdcsentinel.bench;

import io.cdcsentinel.cdc.CdcRunner;
import io.cdcsentinel.cdc.DebeziumProperties;
import io.cdcsentinel.cdc.SourceSchema;
import io.cdcsentinel.config.CdcSettings;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.PostgresSettings;
import io.cdcsentinel.config.TopicNames;
import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * The CDC runner (Debezium embedded -> Kafka, acknowledged before the offset moves) against a bare Debezium engine
 * with the same connector configuration whose handler only counts and marks records processed, offsets in memory.
 *
 * <p>Both read the same WAL: one replication slot per engine and round is created before the workload is written
 * (all on one publication), so every engine streams exactly the same changes, none snapshots. Rounds alternate
 * bare, runner, bare, runner... so both see the machine in the same state, and the best rounds are compared. Each is
 * timed from its first change to its last, which leaves out engine start-up and the slot connection.
 */
final class CdcBench {
    /** How long an engine may take to deliver the whole workload before the benchmark gives up. */
    static final Duration TIMEOUT = Duration.ofMinutes(30);

    /** One round: the time from first to last change, bare engine then runner. */
    record Round(Duration bare, Duration runner) {
    }

    record Result(long changes, List<Round> rounds) {
        double bareRate() {
            return changes / seconds(Stats.best(rounds.stream().map(Round::bare).toList()));
        }

        double runnerRate() {
            return changes / seconds(Stats.best(rounds.stream().map(Round::runner).toList()));
        }
    }

    private final PostgresSettings postgres;
    private final KafkaSettings kafka;
    private final String name;
    private final int rounds;

    /** {@code name} prefixes every slot, publication, topic and connector name of this benchmark. */
    CdcBench(PostgresSettings postgres, KafkaSettings kafka, String name, int rounds) {
        this.postgres = postgres;
        this.kafka = kafka;
        this.name = name;
        this.rounds = rounds;
    }

    String publication() {
        return name + "_pub";
    }

    String slot(String engine, int round) {
        return name + "_" + engine + "_" + round;
    }

    /** The topic prefix the runner of the last round writes to: the input of the stream benchmarks. */
    String lastRunnerPrefix() {
        return prefix(rounds);
    }

    private String prefix(int round) {
        return name + "-cdc-" + round;
    }

    /** Publication and slots; call before writing the workload, so that every slot sees all of it. */
    void prepare(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE PUBLICATION " + publication() + " FOR TABLE " + String.join(", ", SourceSchema.TABLES));
            for (int r = 1; r <= rounds; r++) {
                s.execute("SELECT pg_create_logical_replication_slot('" + slot("bare", r) + "', 'pgoutput')");
                s.execute("SELECT pg_create_logical_replication_slot('" + slot("runner", r) + "', 'pgoutput')");
            }
        }
    }

    /** Drops the slots (they retain WAL) and the publication. */
    void cleanUp(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                    + " WHERE slot_name LIKE '" + name + "\\_%' AND NOT active");
            s.execute("DROP PUBLICATION IF EXISTS " + publication());
        }
    }

    /**
     * Runs the rounds over a workload of {@code changes} row changes (inserts, updates, deletes) of which
     * {@code deletes} are deletes: each delete is followed by a tombstone, so {@code changes + deletes} records
     * reach the table topics.
     */
    Result run(long changes, long deletes) throws Exception {
        long expected = changes + deletes;
        List<Round> results = new ArrayList<>();
        for (int r = 1; r <= rounds; r++) {
            Duration bare = bare(r, expected);
            Duration runner = runner(r, expected);
            results.add(new Round(bare, runner));
        }
        return new Result(expected, results);
    }

    /** The runner alone, once, over the last round's slot (for {@code bench --only backfill}): its time from first to last change. */
    Duration runnerOnly(long changes, long deletes) throws Exception {
        return runner(rounds, changes + deletes);
    }

    private CdcSettings settings(String engine, int round) {
        return CdcSettings.from(ConfigSource.of(Map.of(
                CdcSettings.NAME.name(), name + "-" + engine + "-" + round,
                CdcSettings.SLOT.name(), slot(engine, round),
                CdcSettings.PUBLICATION.name(), publication(),
                CdcSettings.OFFSETS_TOPIC.name(), name + "-" + engine + "-" + round + "-offsets",
                CdcSettings.SNAPSHOT_MODE.name(), "no_data")));
    }

    private TopicNames topics(int round) {
        return TopicNames.from(ConfigSource.of(Map.of(TopicNames.PREFIX.name(), prefix(round))));
    }

    private Duration bare(int round, long expected) throws Exception {
        TopicNames topics = topics(round);
        Set<String> tables = Set.copyOf(topics.cdcTopics());
        Properties props = DebeziumProperties.embedded(postgres, kafka, settings("bare", round), topics);
        // Least possible work: offsets in memory, nothing sent anywhere.
        props.put("offset.storage", "org.apache.kafka.connect.storage.MemoryOffsetBackingStore");
        AtomicLong count = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        DebeziumEngine<ChangeEvent<String, String>> engine = DebeziumEngine.create(Json.class)
                .using(props)
                .notifying((records, committer) -> {
                    long n = 0;
                    for (ChangeEvent<String, String> record : records) {
                        if (tables.contains(record.destination())) {
                            n++;
                        }
                        committer.markProcessed(record);
                    }
                    committer.markBatchFinished();
                    count.addAndGet(n);
                })
                .using((success, message, error) -> {
                    if (!success) {
                        failure.compareAndSet(null, error != null ? error : new IllegalStateException(message));
                    }
                })
                .build();
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "bench-bare-debezium"));
        try {
            executor.execute(engine);
            return firstToLast(count::get, expected, failure::get);
        } finally {
            close(engine);
            executor.shutdown();
            executor.awaitTermination(60, TimeUnit.SECONDS);
        }
    }

    private Duration runner(int round, long expected) throws Exception {
        TopicNames topics = topics(round);
        Set<String> tables = Set.copyOf(topics.cdcTopics());
        try (CdcRunner runner = new CdcRunner(postgres, kafka, settings("runner", round), topics)) {
            runner.start();
            return firstToLast(() -> runner.counts().entrySet().stream().filter(e -> tables.contains(e.getKey()))
                    .mapToLong(Map.Entry::getValue).sum(), expected, runner::failure);
        }
    }

    /** Polls a counter every 2 ms: time from its first increment until it reaches {@code expected}. */
    static Duration firstToLast(LongSupplier count, long expected, java.util.function.Supplier<Throwable> failure)
            throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        long first = -1;
        while (true) {
            long now = System.nanoTime();
            long n = count.getAsLong();
            if (first < 0 && n > 0) {
                first = now;
            }
            if (n >= expected) {
                return Duration.ofNanos(Math.max(1, now - first));
            }
            Throwable t = failure.get();
            if (t != null) {
                throw new IllegalStateException("CDC engine failed after " + n + " of " + expected + " changes: " + t, t);
            }
            if (now > deadline) {
                throw new IllegalStateException("CDC engine delivered " + n + " of " + expected + " changes in " + TIMEOUT);
            }
            TimeUnit.MILLISECONDS.sleep(2);
        }
    }

    private static void close(DebeziumEngine<?> engine) {
        try {
            engine.close();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static double seconds(Duration d) {
        return Math.max(1, d.toNanos()) / 1e9;
    }
}
