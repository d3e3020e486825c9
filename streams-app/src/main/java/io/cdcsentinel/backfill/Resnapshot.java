package io.cdcsentinel.backfill;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcsentinel.cdc.CdcMeters;
import io.cdcsentinel.cdc.CdcRunner;
import io.cdcsentinel.cdc.DebeziumProperties;
import io.cdcsentinel.config.CdcSettings;
import io.cdcsentinel.config.ConfigException;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.PostgresSettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.kafka.TopicScan;
import io.debezium.engine.DebeziumEngine;
import io.debezium.pipeline.notification.Notification;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-reads the window's rows from PostgreSQL through Debezium itself, for windows older than the CDC topics hold: a
 * Debezium engine of the backfill's own (its own slot, publication, offsets and topics
 * {@code <topic.prefix>.backfill.<window>.<schema>.<table>}, {@code snapshot.mode=no_data}) is sent an ad-hoc
 * {@code execute-snapshot} signal of type {@code incremental} with one {@code additional-conditions} filter per table
 * (the window and the customers), through the in-process signal channel. The snapshot is read-only
 * ({@code read.only=true}: Debezium's PostgreSQL watermarks come from {@code pg_current_snapshot()}, so no signal table
 * has to be created in the source database or added to its publication).
 *
 * <p>The rows are exactly what the topologies need for the window: the scorecards created in it, their scores and
 * historic rows, the conversations created in it and those its scorecards refer to, and the events of the
 * conversations created in it. The tables are read in {@link DebeziumProperties#SNAPSHOT_ORDER} (events, chats,
 * historic rows, scores, scorecards), as the initial snapshot is, and for the same reason: a scorecard must not reach
 * the gap topology before its historic rows. Snapshot records are {@code source.snapshot=incremental}, which the gap
 * topology treats as snapshot rows (a scorecard first seen in a snapshot is watched however old it is).
 *
 * <p>Killed midway, the engine resumes the incremental snapshot from its offsets on the next run (Debezium keeps the
 * snapshot's progress there); the signal is sent again only when the offsets show no snapshot in progress.
 */
final class Resnapshot implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Resnapshot.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String AGGREGATE = "Incremental Snapshot";
    private static final long HEARTBEAT_MS = 500;

    private final BackfillPlan plan;
    private final PostgresSettings postgres;
    private final KafkaSettings kafka;
    private final CdcSettings cdc;
    private final TopicNames topics;
    private final CompletableFuture<Notification> finished = new CompletableFuture<>();
    /** Per table: rows Debezium reported scanned (TABLE_SCAN_COMPLETED), snapshot records Kafka acknowledged. */
    private final Map<String, Long> scanned = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, Long> delivered = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile long lastDeliveredMs = System.currentTimeMillis();
    private CdcRunner runner;

    Resnapshot(BackfillPlan plan) {
        this.plan = plan;
        ConfigSource config = plan.snapshotConfig();
        this.postgres = PostgresSettings.from(config);
        this.kafka = KafkaSettings.from(config);
        this.cdc = CdcSettings.from(config);
        this.topics = TopicNames.from(config);
    }

    TopicNames topics() {
        return topics;
    }

    /**
     * Fails with the option to change when this database cannot be re-snapshotted: unreachable, {@code wal_level}
     * not logical, or a user without the REPLICATION attribute.
     */
    static void checkAccess(PostgresSettings postgres) {
        try (Connection c = postgres.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT current_setting('wal_level'), (SELECT rolreplication OR rolsuper"
                        + " FROM pg_roles WHERE rolname = current_user)")) {
            rs.next();
            if (!"logical".equals(rs.getString(1))) {
                throw new ConfigException("--source", "PostgreSQL runs with wal_level=" + rs.getString(1) + ": a re-snapshot"
                        + " needs wal_level=logical; backfill from the CDC topics instead (--source topics, if they hold the window)");
            }
            if (!rs.getBoolean(2)) {
                throw new ConfigException(PostgresSettings.USER.name(), "user '" + postgres.user() + "' lacks the REPLICATION"
                        + " attribute a re-snapshot needs; set " + PostgresSettings.USER.name() + " to a user with it"
                        + " (ALTER ROLE ... REPLICATION), or backfill from the CDC topics (--source topics)");
            }
        } catch (SQLException e) {
            throw new ConfigException(PostgresSettings.URL.name(), "cannot reach PostgreSQL at " + postgres.jdbcUrl()
                    + " for a re-snapshot (" + e.getMessage() + "): fix " + PostgresSettings.URL.name() + " / "
                    + PostgresSettings.USER.name() + " / " + PostgresSettings.PASSWORD.name()
                    + ", or backfill from the CDC topics (--source topics)");
        }
    }

    /**
     * Starts the engine and, unless {@code resume} (the signal was sent by an earlier run and Debezium still holds the
     * snapshot's progress in its offsets), signals the snapshot once the engine streams.
     */
    void start(boolean resume, Consumer<Notification> progress) throws InterruptedException {
        SnapshotNotifications.listen(topics.prefix(), n -> {
            if (!AGGREGATE.equals(n.getAggregateType())) {
                return;
            }
            LOG.info("re-snapshot {}: {} {}", plan.window().id(), n.getType(), n.getAdditionalData());
            progress.accept(n);
            if ("TABLE_SCAN_COMPLETED".equals(n.getType()) && n.getAdditionalData().get("scanned_collection") != null
                    && n.getAdditionalData().get("total_rows_scanned") != null) {
                scanned.put(n.getAdditionalData().get("scanned_collection"),
                        Long.parseLong(n.getAdditionalData().get("total_rows_scanned")));
            }
            if (ends(n)) {
                finished.complete(n);
            }
        });
        runner = new CdcRunner(postgres, kafka, cdc, topics, engineOverrides(), this::acknowledged);
        runner.start();
        CdcMeters meters = new CdcMeters(postgres, cdc.slotName(), topics.prefix());
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!meters.streaming()) {
            if (!runner.isRunning()) {
                throw new IllegalStateException("the re-snapshot's Debezium engine stopped: " + runner.failure(), runner.failure());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the re-snapshot's Debezium engine did not start streaming within 5 min");
            }
            Thread.sleep(200); // polling the connector's state, not waiting for a result of ours
        }
        if (!resume) {
            String data = signalData(plan.window());
            LOG.info("re-snapshot {}: execute-snapshot {}", plan.window().id(), data);
            runner.signal(new DebeziumEngine.Signal(UUID.randomUUID().toString(), "execute-snapshot", data, null));
        }
    }

    /**
     * Waits for the snapshot's COMPLETED notification, then until every row it read is in Kafka, then stops the engine.
     * A read-only incremental snapshot emits a chunk when its window closes, at a later heartbeat or transaction, so
     * COMPLETED can come before the last rows are delivered: done when, for every table whose scan this process saw
     * complete, as many snapshot records were acknowledged as rows were scanned, and no snapshot record came for ten
     * heartbeat intervals (for tables a killed earlier run scanned, only the latter can be checked).
     *
     * @throws Incomplete when Debezium aborted the snapshot or ended a table's scan without reading it
     * @throws IllegalStateException when the engine failed
     */
    void awaitCompleted(Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Notification last;
        while (true) {
            try {
                last = finished.get(1, TimeUnit.SECONDS);
                break;
            } catch (TimeoutException e) {
                checkRunning(deadline, timeout);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
        }
        checkOutcome(last, cdc.slotName());
        long quietMs = HEARTBEAT_MS * 10;
        while (!allDelivered() || System.currentTimeMillis() - lastDeliveredMs < quietMs) {
            checkRunning(deadline, timeout);
            Thread.sleep(100); // polling the delivery counters the engine's thread updates
        }
        LOG.info("re-snapshot {}: rows scanned {}, snapshot records in Kafka {}", plan.window().id(), scanned, delivered);
        runner.close();
    }

    /**
     * True for the notification that ends the wait: COMPLETED, ABORTED, or a table whose scan Debezium ended without
     * reading it ({@link #failedScan}); Debezium goes on with the next table then, but the window would lack its rows.
     */
    static boolean ends(Notification n) {
        return "COMPLETED".equals(n.getType()) || "ABORTED".equals(n.getType()) || failedScan(n) != null;
    }

    /**
     * The status of a TABLE_SCAN_COMPLETED notification whose table was not read ({@code SQL_EXCEPTION},
     * {@code NO_PRIMARY_KEY}, {@code UNKNOWN_SCHEMA}, {@code SKIPPED}), else null. {@code SUCCEEDED} and {@code EMPTY}
     * (no row to read) are scans that read the table.
     */
    static String failedScan(Notification n) {
        if (!"TABLE_SCAN_COMPLETED".equals(n.getType())) {
            return null;
        }
        String status = n.getAdditionalData().get("status");
        return status == null || "SUCCEEDED".equals(status) || "EMPTY".equals(status) ? null : status;
    }

    /**
     * Fails unless {@code last} is COMPLETED: an aborted snapshot, or a table Debezium could not read, would leave the
     * window without its rows, and a replay of what was read would report a backfill that found nothing.
     */
    static void checkOutcome(Notification last, String slot) {
        if ("ABORTED".equals(last.getType())) {
            throw new Incomplete("Debezium aborted the re-snapshot: " + last.getAdditionalData() + "; rerun the same command:"
                    + " it signals the snapshot again");
        }
        String status = failedScan(last);
        if (status != null) {
            String table = last.getAdditionalData().get("scanned_collection");
            throw new Incomplete("the re-snapshot could not read " + table + ": Debezium ended its scan with status "
                    + status + (status.equals("SQL_EXCEPTION") ? " (the database error is logged above, by Debezium)" : "")
                    + "; nothing was replayed or written. Fix the cause (e.g. the user's SELECT privilege on " + table
                    + ") and rerun the same command: it signals the snapshot again. Until then the replication slot " + slot
                    + " is kept");
        }
    }

    /**
     * The snapshot ended without reading every table of the window (aborted, or a table scan that failed): unlike a
     * killed run, which the engine resumes from its offsets, a rerun must signal the whole snapshot again.
     */
    static final class Incomplete extends IllegalStateException {
        Incomplete(String message) {
            super(message);
        }
    }

    private boolean allDelivered() {
        return scanned.entrySet().stream().allMatch(e -> delivered.getOrDefault(e.getKey(), 0L) >= e.getValue());
    }

    private void checkRunning(long deadline, Duration timeout) throws TimeoutException {
        if (!runner.isRunning()) {
            throw new IllegalStateException("the re-snapshot's Debezium engine stopped: " + runner.failure(), runner.failure());
        }
        if (System.nanoTime() > deadline) {
            throw new TimeoutException("the re-snapshot did not complete within " + timeout);
        }
    }

    /** Counts the snapshot records ({@code source.snapshot = "incremental"}) Kafka acknowledged, per table. */
    private void acknowledged(String topic, String value) {
        if (value != null && value.contains("\"snapshot\":\"incremental\"")) {
            String table = topic.substring(topics.prefix().length() + 1);
            delivered.merge(table, 1L, Long::sum);
            lastDeliveredMs = System.currentTimeMillis();
        }
    }

    /** Drops the backfill's replication slot and publication (they would hold WAL back forever). */
    void dropSlot() {
        try (Connection c = postgres.connect()) {
            try (PreparedStatement st = c.prepareStatement("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                    + " WHERE slot_name = ? AND NOT active")) {
                st.setString(1, cdc.slotName());
                st.execute();
            }
            try (Statement st = c.createStatement()) {
                st.execute("DROP PUBLICATION IF EXISTS " + cdc.publicationName());
            }
        } catch (SQLException e) {
            LOG.warn("cannot drop the re-snapshot's slot {} / publication {}: {} (drop them by hand)", cdc.slotName(),
                    cdc.publicationName(), e.getMessage());
        }
    }

    /**
     * True when the re-snapshot's Debezium offsets (the latest record of its connector in its offsets topic) still hold
     * an incremental snapshot in progress, which the engine resumes by itself on start.
     */
    static boolean inProgress(KafkaSettings kafka, BackfillPlan plan) {
        String[] latest = new String[1];
        String connector = "\"" + plan.snapshotName() + "\"";
        org.apache.kafka.common.serialization.StringDeserializer strings = new org.apache.kafka.common.serialization.StringDeserializer();
        try {
            new TopicScan().scan(kafka, plan.snapshotOffsetsTopic(), strings, strings, (key, value) -> {
                if (key != null && key.contains(connector)) {
                    latest[0] = value;
                }
            });
        } catch (RuntimeException e) {
            LOG.info("no offsets of the re-snapshot's engine readable in {} ({}): signalling it again", plan.snapshotOffsetsTopic(),
                    e.toString());
            return false;
        }
        return latest[0] != null && latest[0].contains("incremental_snapshot_collections");
    }

    Map<String, Long> counts() {
        return runner == null ? Map.of() : runner.counts();
    }

    @Override
    public void close() {
        SnapshotNotifications.stopListening(topics.prefix());
        if (runner != null) {
            runner.close();
        }
    }

    /** Read-only incremental snapshots, signalled in-process, notifications to {@link SnapshotNotifications}. */
    static Map<String, String> engineOverrides() {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("read.only", "true");
        o.put("signal.enabled.channels", "in-process");
        o.put("notification.enabled.channels", SnapshotNotifications.CHANNEL_NAME);
        o.put("incremental.snapshot.chunk.size", "8192");
        // a read-only snapshot emits each chunk when its window closes, which a heartbeat does on an idle database
        o.put("heartbeat.interval.ms", Long.toString(HEARTBEAT_MS));
        return o;
    }

    /** The {@code execute-snapshot} data: the five tables in snapshot order, each with its window filter. */
    static String signalData(BackfillWindow window) {
        Map<String, String> filters = filters(window);
        ObjectNode data = JSON.createObjectNode();
        ArrayNode collections = data.putArray("data-collections");
        DebeziumProperties.SNAPSHOT_ORDER.forEach(collections::add);
        data.put("type", "incremental");
        ArrayNode conditions = data.putArray("additional-conditions");
        for (String table : DebeziumProperties.SNAPSHOT_ORDER) {
            conditions.addObject().put("data-collection", table).put("filter", filters.get(table));
        }
        return data.toString();
    }

    /**
     * One SQL condition per captured table selecting the window's rows (see the class comment), each in parentheses
     * (Debezium adds it to its chunk query's WHERE clause).
     */
    static Map<String, String> filters(BackfillWindow window) {
        String scorecards = window("created_at", window) + customers("customer", window);
        String chats = window("created_at", window) + customers("customer_id", window);
        String scorecardKeys = "SELECT customer, profile, resource_id FROM director.scorecards WHERE " + scorecards;
        Map<String, String> f = new LinkedHashMap<>();
        f.put("app.chat_events", "((customer_id, profile_id, conversation_id) IN (SELECT customer_id, profile_id,"
                + " conversation_id FROM app.chats WHERE " + chats + "))");
        f.put("app.chats", "((" + chats + ") OR (customer_id, profile_id, conversation_id) IN (SELECT customer, profile,"
                + " conversation_id FROM director.scorecards WHERE " + scorecards + " AND conversation_id IS NOT NULL))");
        f.put("historic.scorecard_scores", "((customer_id, profile_id, scorecard_id) IN (" + scorecardKeys + "))");
        f.put("director.scores", "((customer, profile, scorecard_id) IN (" + scorecardKeys + "))");
        f.put("director.scorecards", "(" + scorecards + ")");
        return f;
    }

    private static String window(String column, BackfillWindow window) {
        return column + " >= '" + window.from() + "'::timestamptz AND " + column + " < '" + window.to() + "'::timestamptz";
    }

    private static String customers(String column, BackfillWindow window) {
        if (window.customers().isEmpty()) {
            return "";
        }
        return " AND " + column + " IN (" + window.customers().stream().map(Resnapshot::literal)
                .collect(Collectors.joining(", ")) + ")";
    }

    static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    static List<String> tables() {
        return DebeziumProperties.SNAPSHOT_ORDER;
    }
}
