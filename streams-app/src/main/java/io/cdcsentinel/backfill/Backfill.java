package io.cdcsentinel.backfill;

import io.cdcsentinel.config.ClickHouseSettings;
import io.cdcsentinel.config.ConfigException;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.PostgresSettings;
import io.cdcsentinel.config.RegistrySettings;
import io.cdcsentinel.config.SinkSettings;
import io.cdcsentinel.config.StreamsSettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.registry.SchemaRegistration;
import io.cdcsentinel.sink.LabelStore;
import io.cdcsentinel.sink.LabelTable;
import io.cdcsentinel.topology.AvroSerdes;
import io.cdcsentinel.topology.BoundedTimestampExtractor;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code bin/sentinel backfill}: rebuilds the outputs of one business-time window through the same topology code, in
 * steps that each leave the state file behind them, so a killed backfill rerun with the same window resumes:
 *
 * <ol>
 *   <li>checks, before anything is written: the window, the customers (known to PostgreSQL), the shadow table (absent,
 *       or of the sink's layout), where the rows can come from;</li>
 *   <li>source: the retained CDC topics when they still hold the window (the first retained record of every partition
 *       was written at or before {@code --from}, or nothing was ever deleted), else a re-snapshot of the window through
 *       Debezium ({@link Resnapshot});</li>
 *   <li>captures the input's start and end offsets once (the window's end: a rerun replays to the same end);</li>
 *   <li>replays them through {@code run}'s topologies and sink under its own application id into the shadow topics and
 *       the shadow table, the live tail beyond the end offsets skipped ({@link BoundedTimestampExtractor}), with the
 *       horizons widened to the window's age ({@link BackfillPlan}), until every input is consumed, the repartition
 *       topics are drained, the sink has written everything and the last timers (grace and roll-up emission, settle
 *       window) have fired ({@link ReplayMonitor});</li>
 *   <li>reports (JSON + summary) what the window holds and what {@code verify} says of it against PostgreSQL
 *       ({@link BackfillReporter}), and with {@code --apply} publishes it ({@link BackfillApply}).</li>
 * </ol>
 */
public final class Backfill {
    private static final Logger LOG = LoggerFactory.getLogger(Backfill.class);

    public enum SourceChoice { AUTO, TOPICS, SNAPSHOT }

    /**
     * @param terminal where the progress bar goes, null for log lines
     * @param fromOffsets optional JSON file {@code {"topic-partition": offset}}: where the replay of the CDC topics starts
     */
    public record Options(BackfillWindow window, SourceChoice source, boolean dryRun, boolean apply, Path fromOffsets,
            Duration timeout, PrintStream terminal) {
    }

    /** What a run did: the plan (always), and the report (null for a dry run). */
    public record Result(BackfillPlan plan, BackfillState.Source source, String dryRun, BackfillReport report) {
    }

    private final ConfigSource base;
    private final Options options;
    private final Replay.Factory replays;
    private final BackfillPlan plan;
    private final KafkaSettings kafka;
    private final RegistrySettings registry;
    private final Path stateFile;

    public Backfill(ConfigSource base, Options options, Replay.Factory replays) {
        this.base = base;
        this.options = options;
        this.replays = replays;
        this.plan = BackfillPlan.of(base, options.window(), Instant.now());
        this.kafka = KafkaSettings.from(base);
        this.registry = RegistrySettings.from(base);
        this.stateFile = plan.workDir().resolve("state.json");
    }

    public BackfillPlan plan() {
        return plan;
    }

    public Result run() throws InterruptedException, TimeoutException {
        BackfillWindow window = options.window();
        if (options.apply()) {
            SinkSettings sink = SinkSettings.from(base);
            if (sink.layout() != SinkSettings.Layout.REPLACING) {
                throw new ConfigException(SinkSettings.LAYOUT.name(), "backfill --apply writes labels into a replacing-layout"
                        + " table only (sink.layout=legacy): migrate the table first");
            }
        }
        BackfillState state = Files.exists(stateFile) ? BackfillState.load(stateFile) : null;
        if (state != null && (!state.from.equals(window.from()) || !state.to.equals(window.to())
                || !Objects.equals(state.customers, window.customers()))) {
            throw new ConfigException("--from", "the state file " + stateFile + " belongs to another window; remove it to start over");
        }
        if (state != null && state.applicationId != null && !state.applicationId.equals(plan.applicationId())) {
            throw new ConfigException(StreamsSettings.APPLICATION_ID.name(), "the state file " + stateFile + " belongs to the backfill "
                    + state.applicationId + ", not " + plan.applicationId() + "; remove it to start over");
        }
        try (KafkaPositions positions = new KafkaPositions(kafka)) {
            checkKafka(positions);
            checkCustomers(window);
            checkShadowTable();
            BackfillState.Source source = state != null && state.source != null ? state.source : chooseSource(positions);
            if (options.dryRun()) {
                return new Result(plan, source, describe(positions, source, state), null);
            }
            if (state == null) {
                state = new BackfillState();
                state.windowId = window.id();
                state.from = window.from();
                state.to = window.to();
                state.customers = window.customers();
                state.applicationId = plan.applicationId();
                state.startedAt = Instant.now();
            }
            state.source = source;
            state.runs++;
            state.save(stateFile);
            LOG.info("backfill {}: source {}, application id {}, shadow topics {}, {}, {}, shadow table {}", window.id(), source,
                    plan.applicationId(), plan.shadowTopics().gaps(), plan.shadowTopics().gapRates(), plan.shadowTopics().labels(),
                    plan.shadowTable());
            SchemaRegistration.registerAllOrFail(registry, plan.shadowTopics());
            boolean resnapshot = source == BackfillState.Source.SNAPSHOT;
            if (resnapshot && !state.snapshotCompleted) {
                resnapshot(state);
            }
            TopicNames inputs = plan.inputTopics(resnapshot);
            if (state.endOffsets == null) {
                captureOffsets(positions, inputs, state);
            }
            if (!state.replayCompleted) {
                new ReplayMonitor(plan, replays, options.timeout(), options.terminal(), stateFile).run(positions, inputs, state,
                        resnapshot);
            }
            BackfillReport report = new BackfillReporter(base, plan).report(state, resnapshot);
            if (options.apply()) {
                AvroSerdes avro = new AvroSerdes(registry);
                OutputCounts shadow = OutputCounts.read(kafka, plan.shadowTopics(), avro, window, false);
                BackfillApply.Result applied = BackfillApply.apply(plan, kafka, avro, ClickHouseSettings.from(base),
                        SinkSettings.from(base), shadow);
                state.appliedAt = Instant.now();
                state.save(stateFile);
                report = report.withApply(new BackfillReport.Apply(state.appliedAt, applied.gapEventsPublished(),
                        applied.gapsAlreadyInState(), applied.gapsNeverOpenSkipped(), applied.liveOpenNotFound(),
                        applied.rateRecordsPublished(), applied.labelRowsInserted()));
            }
            report.write(plan.workDir());
            return new Result(plan, source, null, report);
        }
    }

    private void checkKafka(KafkaPositions positions) {
        try {
            positions.partitions(List.of(plan.liveTopics().gaps()));
        } catch (IllegalStateException e) {
            throw new ConfigException(KafkaSettings.BOOTSTRAP.name(), "cannot reach Kafka at " + kafka.bootstrap() + " ("
                    + e.getMessage() + "): fix " + KafkaSettings.BOOTSTRAP.name());
        }
    }

    /** Every {@code --customer} must exist in PostgreSQL (a scorecard or a chat of it), when PostgreSQL is configured. */
    private void checkCustomers(BackfillWindow window) {
        if (window.customers().isEmpty()) {
            return;
        }
        PostgresSettings postgres;
        try {
            postgres = PostgresSettings.from(base);
        } catch (ConfigException e) {
            LOG.warn("cannot check --customer against PostgreSQL ({}): taken as given", e.getMessage());
            return;
        }
        try (Connection c = postgres.connect();
                PreparedStatement st = c.prepareStatement("SELECT x FROM unnest(?::text[]) AS x WHERE NOT EXISTS (SELECT 1 FROM"
                        + " director.scorecards WHERE customer = x) AND NOT EXISTS (SELECT 1 FROM app.chats WHERE customer_id = x)")) {
            Array array = c.createArrayOf("text", window.customers().toArray());
            st.setArray(1, array);
            List<String> unknown = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    unknown.add(rs.getString(1));
                }
            }
            if (!unknown.isEmpty()) {
                throw new ConfigException("--customer", "unknown customer(s) " + unknown + ": no scorecard or chat of them in"
                        + " PostgreSQL; check the spelling (customer ids are case-sensitive) or drop the option");
            }
        } catch (SQLException e) {
            LOG.warn("cannot check --customer against PostgreSQL ({}): taken as given", e.getMessage());
        }
    }

    /** A shadow table left by an earlier run must have the sink's layout (it is reused); any other layout stops here. */
    private void checkShadowTable() {
        ClickHouseSettings clickhouse = ClickHouseSettings.from(base);
        SinkSettings sink = SinkSettings.from(base);
        LabelTable shadow = new LabelTable(clickhouse.database(), plan.shadowTable(), sink.layout());
        try (LabelStore store = new LabelStore(clickhouse, shadow)) {
            boolean exists;
            try {
                exists = !store.query(shadow.describeTable()).isEmpty();
            } catch (RuntimeException e) {
                throw new ConfigException(ClickHouseSettings.URL.name(), "cannot reach ClickHouse at " + clickhouse.url() + " ("
                        + e.getMessage() + "): fix " + ClickHouseSettings.URL.name());
            }
            if (exists) {
                try {
                    store.ensureTable(false);
                } catch (IllegalStateException e) {
                    throw new ConfigException("--from", "the shadow table " + shadow.qualifiedName() + " of this window exists with"
                            + " another layout (" + e.getMessage() + "); drop it (DROP TABLE " + shadow.qualifiedName()
                            + ") and rerun, the backfill recreates it");
                }
            }
        }
    }

    private BackfillState.Source chooseSource(KafkaPositions positions) {
        String holds = topicsHoldWindow(positions);
        switch (options.source()) {
            case TOPICS -> {
                if (holds != null) {
                    throw new ConfigException("--source", "the CDC topics no longer hold the window: " + holds
                            + "; use --source snapshot (or auto) to re-read it from PostgreSQL");
                }
                return BackfillState.Source.TOPICS;
            }
            case SNAPSHOT -> {
                Resnapshot.checkAccess(PostgresSettings.from(base));
                return BackfillState.Source.SNAPSHOT;
            }
            default -> {
                if (holds == null) {
                    return BackfillState.Source.TOPICS;
                }
                PostgresSettings postgres;
                try {
                    postgres = PostgresSettings.from(base);
                } catch (ConfigException e) {
                    throw new ConfigException("--from", "the CDC topics no longer hold the window (" + holds + ") and PostgreSQL"
                            + " is not configured for a re-snapshot (" + e.getMessage() + "): set postgres.url/user/password,"
                            + " or move --from to within the topics' retention (cdc.topic.retention)");
                }
                try {
                    Resnapshot.checkAccess(postgres);
                } catch (ConfigException e) {
                    throw new ConfigException("--from", "the CDC topics no longer hold the window (" + holds + ") and PostgreSQL"
                            + " cannot be re-snapshotted: " + e.getMessage());
                }
                return BackfillState.Source.SNAPSHOT;
            }
        }
    }

    /**
     * Null when the live CDC topics hold every change committed since {@code --from}; otherwise why not. A partition
     * holds it when nothing was ever deleted from it (log start 0) or its first retained record was written at or
     * before {@code --from}. Rows created in the window are committed at or after their {@code created_at}, so nothing
     * they need is older than that.
     */
    String topicsHoldWindow(KafkaPositions positions) {
        List<String> topics = cdcTopics(plan.liveTopics());
        var partitions = positions.partitions(topics);
        List<String> missing = topics.stream().filter(t -> partitions.stream().noneMatch(tp -> tp.topic().equals(t))).toList();
        if (!missing.isEmpty()) {
            return "topic(s) " + missing + " do not exist";
        }
        Map<String, Long> start = positions.earliest(partitions);
        Map<String, Long> truncated = new TreeMap<>();
        start.forEach((tp, offset) -> {
            if (offset > 0) {
                truncated.put(tp, offset);
            }
        });
        Map<String, Long> firstTimestamps = positions.timestampsAt(truncated);
        for (var e : firstTimestamps.entrySet()) {
            if (e.getValue() > options.window().from().toEpochMilli()) {
                return e.getKey() + " starts at a record written " + Instant.ofEpochMilli(e.getValue()) + ", after --from";
            }
        }
        return null;
    }

    static List<String> cdcTopics(TopicNames t) {
        return List.of(t.scorecards(), t.scores(), t.historicScores(), t.chats(), t.chatEvents());
    }

    private String describe(KafkaPositions positions, BackfillState.Source source, BackfillState state) {
        StringBuilder s = new StringBuilder();
        s.append("backfill ").append(plan.window().id()).append(" (dry run: nothing written)\n");
        s.append("  window          [").append(plan.window().from()).append(", ").append(plan.window().to()).append(")")
                .append(plan.window().customers().isEmpty() ? " all customers" : " customers " + plan.window().customers()).append('\n');
        s.append("  source          ").append(source == BackfillState.Source.TOPICS ? "the retained CDC topics "
                + plan.liveTopics().prefix() + ".*" : "a re-snapshot of PostgreSQL through Debezium into " + plan.snapshotPrefix()
                + ".* (slot " + plan.snapshotSlot() + ")").append('\n');
        s.append("  application id  ").append(plan.applicationId()).append('\n');
        s.append("  shadow topics   ").append(plan.shadowTopics().gaps()).append(", ").append(plan.shadowTopics().gapRates())
                .append(", ").append(plan.shadowTopics().labels()).append('\n');
        s.append("  shadow table    ").append(plan.shadowTable()).append('\n');
        s.append("  horizons        ").append(plan.horizons()).append('\n');
        s.append("  work directory  ").append(plan.workDir()).append(state == null ? " (new)" : " (resumes run " + state.runs + ")")
                .append('\n');
        if (source == BackfillState.Source.TOPICS) {
            var partitions = positions.partitions(cdcTopics(plan.liveTopics()));
            Map<String, Long> start = positions.earliest(partitions);
            Map<String, Long> end = positions.latest(partitions);
            long records = end.entrySet().stream().mapToLong(e -> e.getValue() - start.getOrDefault(e.getKey(), 0L)).sum();
            s.append(String.format("  input           %,d records in %d partitions%n", records, partitions.size()));
        } else {
            s.append("  snapshot filters\n");
            Resnapshot.filters(plan.window()).forEach((t, f) -> s.append("    ").append(t).append(": ").append(f).append('\n'));
        }
        return s.toString();
    }

    private void resnapshot(BackfillState state) throws InterruptedException, TimeoutException {
        try (Resnapshot snapshot = new Resnapshot(plan);
                ReplayProgress progress = ReplayProgress.create("re-snapshot " + plan.window().id(), options.terminal())) {
            boolean resume = state.snapshotSignalled && Resnapshot.inProgress(kafka, plan);
            snapshot.start(resume, n -> {
                if ("TABLE_SCAN_COMPLETED".equals(n.getType())) {
                    String table = n.getAdditionalData().get("scanned_collection");
                    String rows = n.getAdditionalData().get("total_rows_scanned");
                    if (table != null && rows != null) {
                        synchronized (state) {
                            state.snapshotRowsScanned.put(table, Long.parseLong(rows));
                        }
                    }
                }
            });
            state.snapshotSignalled = true;
            state.save(stateFile);
            Thread watcher = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    long written = snapshot.counts().values().stream().mapToLong(Long::longValue).sum();
                    int tables;
                    synchronized (state) {
                        tables = state.snapshotRowsScanned.size();
                    }
                    progress.update(written, Math.max(written, 1), tables + "/" + Resnapshot.tables().size() + " tables scanned");
                    try {
                        Thread.sleep(500);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "sentinel-backfill-snapshot-progress");
            watcher.setDaemon(true);
            watcher.start();
            try {
                snapshot.awaitCompleted(options.timeout());
            } catch (Resnapshot.Incomplete e) {
                synchronized (state) {
                    state.snapshotSignalled = false; // the rerun signals the whole snapshot again
                    state.save(stateFile);
                }
                throw e;
            } finally {
                watcher.interrupt();
            }
            synchronized (state) {
                state.snapshotCompleted = true;
                state.save(stateFile);
            }
            snapshot.dropSlot();
        }
    }

    private void captureOffsets(KafkaPositions positions, TopicNames inputs, BackfillState state) {
        var partitions = positions.partitions(cdcTopics(inputs));
        Map<String, Long> start = positions.earliest(partitions);
        if (options.fromOffsets() != null) {
            Map<String, Long> requested = readOffsets(options.fromOffsets());
            requested.forEach((tp, offset) -> {
                if (!start.containsKey(tp)) {
                    throw new ConfigException("--from-offsets", options.fromOffsets() + " names " + tp + ", not a partition of the"
                            + " input topics " + cdcTopics(inputs));
                }
                if (offset < start.get(tp)) {
                    throw new ConfigException("--from-offsets", tp + " offset " + offset + " is before the partition's log start "
                            + start.get(tp) + ": the records are gone; start at or after it, or backfill from a re-snapshot");
                }
                start.put(tp, offset);
            });
            for (String group : List.of(ReplayMonitor.gapsGroup(plan), ReplayMonitor.labelsGroup(plan))) {
                if (!positions.committed(group).isEmpty()) {
                    throw new ConfigException("--from-offsets", "the backfill's application " + group + " has already committed"
                            + " offsets: --from-offsets applies to a new backfill only (reset it with kafka-streams-application-reset)");
                }
            }
            positions.commit(ReplayMonitor.gapsGroup(plan), only(start, ReplayMonitor.gapsInputs(inputs)));
            positions.commit(ReplayMonitor.labelsGroup(plan), only(start, ReplayMonitor.labelsInputs(inputs)));
        }
        state.startOffsets = start;
        state.endOffsets = positions.latest(partitions);
        state.save(stateFile);
    }

    private static Map<String, Long> readOffsets(Path file) {
        try {
            Map<String, Long> result = new TreeMap<>();
            BackfillState.JSON.readTree(Files.readString(file)).fields()
                    .forEachRemaining(e -> result.put(e.getKey(), e.getValue().asLong()));
            return result;
        } catch (IOException | RuntimeException e) {
            throw new ConfigException("--from-offsets", "cannot read " + file + " (" + e.getMessage() + "): expected a JSON object"
                    + " {\"<topic>-<partition>\": offset, ...}");
        }
    }

    private static Map<String, Long> only(Map<String, Long> offsets, List<String> topics) {
        Map<String, Long> result = new TreeMap<>();
        offsets.forEach((tp, o) -> {
            if (topics.contains(KafkaPositions.topicOf(tp))) {
                result.put(tp, o);
            }
        });
        return result;
    }
}
