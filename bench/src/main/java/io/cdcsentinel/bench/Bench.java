package io.cdcsentinel.bench;

import io.cdcsentinel.cdc.SourceSchema;
import io.cdcsentinel.cli.Pipeline;
import io.cdcsentinel.config.ClickHouseSettings;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.GapSettings;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.LabelSettings;
import io.cdcsentinel.config.PostgresSettings;
import io.cdcsentinel.config.RegistrySettings;
import io.cdcsentinel.config.RunSettings;
import io.cdcsentinel.config.StreamsSettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.local.ClickHouseServer;
import io.cdcsentinel.local.Endpoints;
import io.cdcsentinel.local.LocalStack;
import io.cdcsentinel.sim.Count;
import io.cdcsentinel.sim.Scenario;
import io.cdcsentinel.sim.SimulationSummary;
import io.cdcsentinel.sim.Simulator;
import io.cdcsentinel.sim.WorkloadSpec;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code bin/sentinel bench}: writes a workload with the simulator, then measures each stage against a baseline
 * that does the least possible work on the same input, in the same run:
 * <ol>
 *   <li>CDC: the runner against a bare Debezium engine that only counts ({@link CdcBench});</li>
 *   <li>the topologies of {@code run} (its {@link Pipeline}, sink off), replaying the CDC topics the runner wrote,
 *       against an identity {@code map+to} application over the same topics, both {@code exactly_once_v2}
 *       ({@link StreamsBench}), and the stateful floor (a repartition and a count per key) against the same
 *       identity, so that the topologies' ratio can be read against what state itself costs on the machine; then
 *       the heap and the state with the topologies loaded;</li>
 *   <li>the backfill ({@link BackfillBench}: {@code Backfill} itself, sink on) over the same CDC topics against the
 *       topologies' replay rate of step 2, and from a re-snapshot of the same database, each phase timed;</li>
 *   <li>end-to-end latency through the whole {@link Pipeline} under a steady background load ({@link LiveBench});</li>
 *   <li>the ClickHouse sink against raw JSONEachRow INSERTs of the same rows ({@link SinkBenchmark}).</li>
 * </ol>
 * Scale 1 is about 100,000 scorecards and 30,000 conversations (~1 million CDC records); {@code --scale 10}
 * gives the 1 million scorecards and 300,000 conversations of the issue.
 */
public final class Bench {
    private static final Logger LOG = LoggerFactory.getLogger(Bench.class);
    /**
     * {@code streams.threads} of every side of the replay comparison. Each topology is a chain of sub-topologies
     * (parse, then state, then joins and roll-ups), each its own task even with one partition; two threads let the
     * parsing and the state of the gap topology run side by side, as they do the floor's two sub-topologies. The
     * identity has one task, so one thread works.
     */
    static final int REPLAY_THREADS = 2;
    /**
     * @param endpoints an existing stack to use (its PostgreSQL user must be allowed to create databases and
     *                  replication slots); null to start one in {@code workDir/stack}
     * @param keepStack leave the stack this run started running afterwards
     * @param settings  configuration of the topologies and the sink under test (a run's own settings, such as its
     *                  grace and topic names, are set on top)
     */
    public record Options(double scale, long seed, int rounds, Path workDir, Endpoints endpoints, boolean keepStack,
            String command, Map<String, String> settings) {
    }

    private final Options options;
    private final Consumer<String> progress;

    public Bench(Options options, Consumer<String> progress) {
        this.options = options;
        this.progress = progress;
    }

    /**
     * The workload at a scale: the default story mix plus one batch hour, ~3.3 scorecards per conversation. Its
     * simulated timeline (one story a second, the batch hour at its start) ends {@code end}: written as fast as
     * possible, every row is committed after the times it carries, as in production, and within the topologies'
     * retentions (7 days; scale 10 spans about 3.5 days). A timeline in the past beyond the retentions would make
     * the gap topology ignore every scorecard as first seen too late, and the label topology every update.
     */
    public static WorkloadSpec workload(double scale, long seed, Instant end) {
        Map<Scenario, Integer> mix = new LinkedHashMap<>(WorkloadSpec.Builder.defaultMix());
        mix.put(Scenario.BATCH_HOUR, 1);
        long stories = Math.max(20, Math.round(30_000 * scale));
        WorkloadSpec.Builder spec = WorkloadSpec.builder().seed(seed).mix(mix).count(stories)
                .batchSize((int) Math.max(20, Math.round(50_000 * scale)));
        // the last story starts stories * interval after the start and lasts less than an hour
        Duration span = spec.build().interval().multipliedBy(stories).plus(Duration.ofHours(1));
        return spec.start(end.minus(span).truncatedTo(ChronoUnit.MICROS)).build();
    }

    /**
     * The configuration every stage starts from: the operator's {@code --set} settings, with the stack's endpoints and
     * the run's own database on top (a setting cannot point the bench at another server).
     */
    static Map<String, String> baseConfig(Map<String, String> settings, Endpoints endpoints, String database) {
        Map<String, String> config = new HashMap<>(settings);
        // Every stage writes topics of its own, thrown away afterwards: the serdes register their schemas on first use
        // (one registry call per schema either way) instead of a `schemas register` per stage.
        config.putIfAbsent(RegistrySettings.AUTO_REGISTER.name(), "true");
        config.putAll(endpoints.asConfig());
        config.put(PostgresSettings.URL.name(), endpoints.postgresUrl(database));
        return config;
    }

    public BenchReport run() throws Exception {
        return run(false);
    }

    /**
     * {@code bench --only backfill}: the workload, the CDC runner once, the topologies' replay (a warm-up and
     * {@code --rounds} counted rounds, no identity or floor), then the backfill figures ({@link BackfillBench}).
     */
    public BenchReport backfillOnly() throws Exception {
        return run(true);
    }

    private BenchReport run(boolean backfillOnly) throws Exception {
        Instant started = Instant.now();
        String name = "bench_" + DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss").withZone(ZoneOffset.UTC).format(started);
        LocalStack stack = null;
        Endpoints endpoints = options.endpoints();
        if (endpoints == null) {
            progress.accept("bench: starting the local stack in " + options.workDir().resolve("stack"));
            stack = LocalStack.up(options.workDir().resolve("stack"), LocalStack.Options.defaults());
            endpoints = stack.endpoints();
        }
        List<Figure> figures = new ArrayList<>();
        List<LatencyRecorder> latencies = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        try {
            createDatabase(endpoints, name);
            ConfigSource source = ConfigSource.of(baseConfig(options.settings(), endpoints, name));
            PostgresSettings postgres = PostgresSettings.from(source);
            KafkaSettings kafka = KafkaSettings.from(source);
            CdcBench cdc = new CdcBench(postgres, kafka, name, backfillOnly ? 1 : options.rounds());
            try {
                try (Connection c = connect(postgres)) {
                    SourceSchema.apply(c);
                    cdc.prepare(c);
                }
                SimulationSummary workload = simulate(postgres, figures);
                if (backfillOnly) {
                    streamCdc(cdc, workload, figures);
                } else {
                    measureCdc(cdc, workload, figures);
                }
                Replayed topologies = measureTopologies(source, kafka, cdc.lastRunnerPrefix(), name, workload, figures,
                        !backfillOnly);
                if (endpoints.clickhouse().isEmpty()) {
                    notes.add("ClickHouse is not installed, so the backfill, sink and end-to-end figures are missing: "
                            + ClickHouseServer.notInstalledMessage());
                } else {
                    ConfigSource withDatabase = source.with(Map.of(ClickHouseSettings.DATABASE.name(), name));
                    // before the live phase, which writes more rows into the same database
                    measureBackfill(postgres, withDatabase, endpoints, cdc.lastRunnerPrefix(), name, topologies, figures);
                    if (!backfillOnly) {
                        latencies.addAll(measureLive(postgres, withDatabase, name, cdc.publication(), figures, notes));
                        measureSink(withDatabase, figures);
                    }
                }
            } finally {
                try (Connection c = connect(postgres)) {
                    cdc.cleanUp(c);
                    BackfillBench.dropSlots(c);
                }
                dropDatabase(endpoints, name);
                endpoints.clickhouse().ifPresent(url -> ClickHouseServer.execute(url, "DROP DATABASE IF EXISTS " + name));
                deleteTopics(KafkaSettings.from(ConfigSource.of(endpoints.asConfig())), name);
            }
        } finally {
            if (stack != null && !options.keepStack()) {
                progress.accept("bench: stopping the local stack");
                stack.down();
            }
        }
        return new BenchReport(options.command(), started, Duration.between(started, Instant.now()), figures, latencies,
                notes);
    }

    private SimulationSummary simulate(PostgresSettings postgres, List<Figure> figures) throws Exception {
        WorkloadSpec spec = workload(options.scale(), options.seed(), Instant.now());
        progress.accept(String.format("bench: simulating %,d stories and a batch of %,d scorecards", spec.count(),
                spec.batchSize()));
        SimulationSummary s = new Simulator(postgres, spec).run();
        figures.add(Figure.absolute("simulate: workload written to PostgreSQL", s.transactionsPerSecond(),
                "transactions/s", null, null, String.format("%,d stories (%,d conversations, %,d scorecards), %,d"
                        + " transactions, %,d row changes in %.1f s; one transaction per API call, %d connections",
                        s.stories(), s.count(Count.CHATS_CREATED), scorecards(s), s.count(Count.TRANSACTIONS),
                        s.count(Count.ROWS), s.elapsed().toMillis() / 1000.0, s.spec().connections())));
        return s;
    }

    private void measureCdc(CdcBench cdc, SimulationSummary workload, List<Figure> figures) throws Exception {
        long deletes = workload.count(Count.SCORES_DELETED) + workload.count(Count.SCORECARDS_HARD_DELETED);
        progress.accept(String.format("bench: CDC, %d rounds of bare engine then runner over %,d changes",
                options.rounds(), workload.count(Count.ROWS)));
        CdcBench.Result r = cdc.run(workload.count(Count.ROWS), deletes);
        figures.add(Figure.ratio("CDC runner: Debezium -> Kafka, acks=all", r.runnerRate(), "records/s",
                "bare Debezium engine, handler only counts", r.bareRate(), 0.8, String.format(
                        "%,d records (row changes + tombstones) streamed from a slot created before the workload, timed"
                                + " from the first record to the last; best of %d alternating rounds %s",
                        r.changes(), r.rounds().size(), r.rounds().stream().map(x -> String.format("[bare %d ms,"
                                + " runner %d ms]", x.bare().toMillis(), x.runner().toMillis())).toList())));
    }

    /** The CDC runner once, no bare engine (for {@code --only backfill}): it writes the topics the replays read. */
    private void streamCdc(CdcBench cdc, SimulationSummary workload, List<Figure> figures) throws Exception {
        long deletes = workload.count(Count.SCORES_DELETED) + workload.count(Count.SCORECARDS_HARD_DELETED);
        long records = workload.count(Count.ROWS) + deletes;
        progress.accept(String.format("bench: CDC runner over %,d changes", workload.count(Count.ROWS)));
        Duration d = cdc.runnerOnly(workload.count(Count.ROWS), deletes);
        figures.add(Figure.absolute("CDC runner: Debezium -> Kafka, acks=all (one round, no baseline)",
                records / CdcBench.seconds(d), "records/s", null, null, String.format("%,d records, first to last,"
                        + " one round: --only backfill runs it to write the CDC topics, not to compare it", records)));
    }

    /** The topologies' replay rate over the CDC topics, and how it was measured. */
    record Replayed(double rate, String how) {
    }

    private void measureBackfill(PostgresSettings postgres, ConfigSource source, Endpoints endpoints, String cdcPrefix,
            String name, Replayed topologies, List<Figure> figures) throws Exception {
        ClickHouseServer.execute(endpoints.clickhouse().orElseThrow(), "CREATE DATABASE IF NOT EXISTS " + name);
        io.cdcsentinel.backfill.BackfillWindow window;
        try (Connection c = connect(postgres)) {
            window = BackfillBench.window(c);
        }
        BackfillBench bench = new BackfillBench(source, cdcPrefix, name, options.workDir(), progress);
        progress.accept("bench: backfill from the CDC topics, window [" + window.from() + ", " + window.to() + ")");
        BackfillBench.Run topics = bench.run(io.cdcsentinel.backfill.Backfill.SourceChoice.TOPICS, window);
        progress.accept("bench: backfill from a re-snapshot of PostgreSQL, same window");
        BackfillBench.Run snapshot = bench.run(io.cdcsentinel.backfill.Backfill.SourceChoice.SNAPSHOT, window);
        figures.addAll(BackfillBench.figures(topics, snapshot, topologies.rate(), topologies.how()));
    }

    private Replayed measureTopologies(ConfigSource source, KafkaSettings kafka, String cdcPrefix, String name,
            SimulationSummary workload, List<Figure> figures, boolean baselines) throws Exception {
        StreamsBench streams = new StreamsBench(kafka, options.workDir().resolve("state"));
        Set<String> cdcTopics = Set.copyOf(TopicNames.from(ConfigSource.of(Map.of(TopicNames.PREFIX.name(), cdcPrefix)))
                .cdcTopics());
        List<Duration> identity = new ArrayList<>();
        List<Duration> floor = new ArrayList<>();
        List<Duration> topologies = new ArrayList<>();
        long records = 0;
        long heapBefore = 0;
        long heap = 0;
        long resident = 0;
        double stateBytes = 0;
        double keys = 0;
        long onDisk = 0;
        Set<String> sources = Set.of();
        List<String> applications = List.of();
        String outputs = "";
        // Round 0 warms the JIT up and is not counted: the first replay in a JVM is 30-40% slower than the third,
        // more so for the topologies (more code to compile) than for the identity.
        for (int round = 0; round <= options.rounds(); round++) {
            String base = name.replace('_', '-') + "-r" + round;
            Path stateDir = options.workDir().resolve("state").resolve(base);
            Map<String, String> config = replayNames(cdcPrefix, base, stateDir);
            config.put(RunSettings.SINK_ENABLED.name(), "false");
            config.put(StreamsSettings.THREADS.name(), Integer.toString(REPLAY_THREADS));
            // The workload's commit times span the seconds to minutes it took to write: with the default grace (5 min)
            // and settle window (30 s) most decisions would fall after the last change, and a replay, never live,
            // would not take them. The grace and settle window of the live run make the replay decide every gap and
            // write every label, as a backfill of a longer period does.
            config.put(GapSettings.GRACE.name(), LiveBench.GRACE.toMillis() + "ms");
            config.put(LabelSettings.SETTLE_WINDOW.name(), "0s");
            ConfigSource roundSource = source.with(config);
            TopicNames names = TopicNames.from(roundSource);
            heapBefore = Resources.heapUsedAfterGc();
            String label = round == 0 ? "warm-up" : "round " + round;
            progress.accept("bench: replay " + label + ": the topologies of `run`");
            Pipeline pipeline = Pipeline.fromConfig(roundSource);
            try (StreamsBench.Replay r = streams.replay(pipeline.streams(), pipeline::start, cdcTopics,
                    List.of(stateDir), pipeline::close)) {
                if (round > 0) {
                    topologies.add(r.duration);
                }
                records = r.records;
                sources = r.sources;
                applications = pipeline.streams().keySet().stream().map(id -> id.substring(base.length() + 1))
                        .toList();
                if (round == options.rounds()) {
                    outputs = streams.endOffsets(List.of(names.gaps(), names.gapRates(), names.labels())).toString();
                    heap = Resources.heapUsedAfterGc();
                    resident = Resources.residentBytes();
                    stateBytes = r.rocksDbMetric("size-all-mem-tables") + r.rocksDbMetric("total-sst-files-size");
                    keys = r.rocksDbMetric("estimate-num-keys");
                    onDisk = r.stateBytesOnDisk();
                }
            }
            if (!baselines) {
                continue;
            }
            progress.accept("bench: replay " + label + ": identity map+to over " + new TreeSet<>(sources));
            try (StreamsBench.Replay r = streams.replayIdentity(base + "-identity", sources, names, REPLAY_THREADS)) {
                if (round > 0) {
                    identity.add(r.duration);
                }
            }
            progress.accept("bench: replay " + label + ": stateful floor, repartition + count per key");
            try (StreamsBench.Replay r = streams.replayStatefulFloor(base + "-floor", sources, names, REPLAY_THREADS)) {
                if (round > 0) {
                    floor.add(r.duration);
                }
            }
        }
        double topologyRate = records / CdcBench.seconds(Stats.best(topologies));
        String replayHow = String.format("the replay of the topologies: fresh applications, sink off, timed from 10%%"
                + " committed to all input committed, scaled to all input; best of %d rounds after a warm-up, %s ms",
                options.rounds(), topologies.stream().map(Duration::toMillis).toList());
        if (!baselines) {
            figures.add(Figure.absolute("replay: the topologies over retained CDC topics", topologyRate, "records/s",
                    "records/s >= 50,000", topologyRate >= 50_000, String.format("%,d CDC records of %s; %s; with"
                            + " streams.threads=%d, gaps.grace=%ds, labels.settle.window=0s; no identity or floor"
                            + " (--only backfill)", records, new TreeSet<>(sources), replayHow, REPLAY_THREADS,
                            LiveBench.GRACE.toSeconds())));
            return new Replayed(topologyRate, replayHow);
        }
        double identityRate = records / CdcBench.seconds(Stats.best(identity));
        double floorRate = records / CdcBench.seconds(Stats.best(floor));
        String rounds = String.format("best of %d alternating rounds after one warm-up round each, topologies %s ms,"
                        + " identity %s ms, stateful floor %s ms; all with streams.threads=%d, the topologies with"
                        + " gaps.grace=%ds and labels.settle.window=0s; their output topics ended at offsets %s (records"
                        + " plus one commit marker per transaction)", options.rounds(),
                topologies.stream().map(Duration::toMillis).toList(), identity.stream().map(Duration::toMillis).toList(),
                floor.stream().map(Duration::toMillis).toList(), REPLAY_THREADS, LiveBench.GRACE.toSeconds(), outputs);
        figures.add(Figure.ratio("topologies of run: " + String.join(" + ", applications) + ", exactly_once_v2",
                topologyRate, "records/s", "identity map+to, exactly_once_v2", identityRate, 0.5, String.format(
                        "%,d CDC records of %s replayed from offset 0 by fresh applications (the Pipeline of `run`,"
                                + " sink off), timed from 10%% committed to all input (and every repartitioned record)"
                                + " committed, scaled to all input; %s", records, new TreeSet<>(sources), rounds)));
        figures.add(Figure.compared("stateful floor: repartition + groupByKey().count(), exactly_once_v2", floorRate,
                "records/s", "identity map+to, exactly_once_v2", identityRate, String.format("the least an application"
                        + " keeping state per row does (StreamsBench.statefulFloor): the same %,d records through a"
                        + " repartition topic, then counted per record key in Kafka Streams' default store (RocksDB,"
                        + " record cache, changelog), no output topic; same rounds, threads and defaults as the identity."
                        + " Its ratio to the identity is what one state update per record costs on this machine,"
                        + " before any topology logic", records)));
        figures.add(Figure.compared("topologies of run against the stateful floor", topologyRate, "records/s",
                "stateful floor", floorRate, "the two rates above"));
        figures.add(Figure.absolute("replay: the topologies over retained CDC topics", topologyRate, "records/s",
                "records/s >= 50,000", topologyRate >= 50_000, "the topology rate above: a replay is what a backfill"
                        + " does, from the retained topics under a new application id"));
        figures.add(Figure.absolute(String.format("heap in use after GC, topologies loaded (%,d scorecards, %,d"
                + " conversations)", scorecards(workload), workload.count(Count.CHATS_CREATED)), heap / 1e6, "MB",
                null, null, String.format("whole benchmark JVM after full GCs, with the applications still running;"
                        + " %.0f MB before they started", heapBefore / 1e6)));
        figures.add(Figure.absolute("state stores (RocksDB, same load)", stateBytes / 1e6, "MB", null, null,
                String.format("memtables + SST files of every store, from the RocksDB metrics (off-heap, so not in the"
                        + " heap figure); about %,.0f keys; %.1f MB of files under the state directories",
                        keys, onDisk / 1e6)));
        figures.add(Figure.absolute("resident memory of the bench JVM, topologies loaded", resident / 1e6, "MB", null,
                null, String.format("VmRSS at the same moment as the heap and state figures: heap touched + RocksDB (one"
                        + " shared block cache of streams.rocksdb.memory.mb with the memtables charged to it) + JVM"
                        + " overhead; compare with the %.0f MB of state above", stateBytes / 1e6)));
        return new Replayed(topologyRate, replayHow);
    }

    private List<LatencyRecorder> measureLive(PostgresSettings postgres, ConfigSource source, String name,
            String publication, List<Figure> figures, List<String> notes) throws Exception {
        Duration duration = Duration.ofSeconds(Math.max(15, Math.min(120, Math.round(60 * options.scale()))));
        double rowsPerSecond = 3_000;
        progress.accept(String.format("bench: live pipeline under %,.0f row changes/s for %d s: end-to-end latency",
                rowsPerSecond, duration.toSeconds()));
        LiveBench.Result r = new LiveBench(postgres, source, name, publication, options.workDir().resolve("state"))
                .run(rowsPerSecond, duration, options.seed() + 1);
        LatencyRecorder e2e = r.endToEnd();
        LatencyRecorder e2eOutside = r.endToEndOutside();
        String detail = String.format("%,d conversations ended inside the steady window of the load (%,d in all; the"
                        + " window runs from %d s after its start until its last story started) under a background"
                        + " load of %,.0f row changes/s (target %,.0f; steady + async-race stories, current timestamps,"
                        + " %,d rows in all); CDC runner (poll 50 ms) -> label topology (settle 0, EOS v2, commit"
                        + " 100 ms) -> ClickHouse sink (batch %,d, linger %d ms) -> row visible to a query polling every"
                        + " %d ms; from the commit of the transaction that set ended_at; %,d not visible within %d s of"
                        + " the end. The load starts once the pipeline runs. Outside the steady window (ramp-up, the"
                        + " last stories' late writes, after the load): %,d conversations, p50 %.2f s, p99 %.2f s, max"
                        + " %.2f s",
                e2e.count(), r.conversationsEnded(), LiveBench.RAMP.toSeconds(), r.steadyRowsPerSecond(),
                r.targetRowsPerSecond(), r.load().count(Count.ROWS), r.sink().batchSize(),
                r.sink().batchLinger().toMillis(), LiveBench.POLL_MILLIS, r.notSeen(), LiveBench.DRAIN.toSeconds(),
                e2eOutside.count(), CdcBench.seconds(e2eOutside.percentile(50)),
                CdcBench.seconds(e2eOutside.percentile(99)), CdcBench.seconds(e2eOutside.max()));
        double p99 = e2e.percentile(99).toMillis() / 1000.0;
        figures.add(Figure.absolute("end-to-end latency p50: ended_at commit -> row in ClickHouse",
                e2e.percentile(50).toMillis() / 1000.0, "s", null, null, detail));
        figures.add(Figure.absolute("end-to-end latency p99", p99, "s", "p99 <= 1.5 s", p99 <= 1.5, null));
        figures.add(Figure.absolute("end-to-end latency max", e2e.max().toMillis() / 1000.0, "s", null, null, null));
        if (r.gapsRunning()) {
            LatencyRecorder gaps = r.gapAlerts();
            LatencyRecorder outside = r.gapAlertsOutside();
            LatencyRecorder tail = r.gapAlertsAfterLoad();
            double gapP99 = gaps.percentile(99).toMillis() / 1000.0;
            figures.add(Figure.absolute("gap alert latency p50: grace expiry -> OPENED alert consumed",
                    gaps.percentile(50).toMillis() / 1000.0, "s", null, null, String.format("%,d OPENED alerts whose"
                            + " grace expired inside the steady window of the load (stream time decides them), of %,d"
                            + " lost historic writes in the same load (gaps.grace %d s), read_committed from the gaps topic; from the"
                            + " commit of the scorecard's creation (or first submission, stage AFTER_SUBMIT) + grace;"
                            + " %,d not opened within %d s of the end. Grace expired during the ramp-up or the"
                            + " wind-down of the load, where stream time waits for sparser changes: %,d alerts, p50"
                            + " %.2f s, p99 %.2f s", gaps.count(), r.gapsExpected(), LiveBench.GRACE.toSeconds(),
                            r.gapsNotSeen(), LiveBench.DRAIN.toSeconds(), outside.count(),
                            CdcBench.seconds(outside.percentile(50)), CdcBench.seconds(outside.percentile(99)))));
            figures.add(Figure.absolute("gap alert latency p99", gapP99, "s", "p99 <= 1 s", gapP99 <= 1.0, null));
            if (tail.count() > 0) {
                figures.add(Figure.absolute("gap alert latency max, grace expired after the load ended",
                        tail.max().toMillis() / 1000.0, "s", null, null, String.format("%,d OPENED alerts (p50 %.1f s)"
                                + " whose grace expired once nothing was written any more: only the wall-clock fallback"
                                + " decides them, after gaps.clock.idle.after of quiet sources (default 10 s) at the next"
                                + " punctuation (gaps.punctuation.interval, 1 s)", tail.count(),
                                tail.percentile(50).toMillis() / 1000.0)));
            }
        } else {
            notes.add("The historic-gap topology is not part of `run` in this build: no gap alert latency.");
        }
        return r.gapsRunning() ? List.of(e2e, r.gapAlerts()) : List.of(e2e);
    }

    private void measureSink(ConfigSource source, List<Figure> figures) throws Exception {
        SinkBenchmark.Result r = sinkFigure(source, options.scale(), options.rounds(), progress);
        figures.add(Figure.ratio("ClickHouse sink: Kafka -> ClickHouse", r.sinkRowsPerSecond(), "rows/s",
                "raw HTTP JSONEachRow INSERT of the same rows", r.rawRowsPerSecond(), 0.7, r.summary()));
    }

    /**
     * The sink comparison at a scale (200,000 rows at scale 1, batch 10,000, one partition, at least 3 rounds); also
     * what {@code bench --only sink} runs alone.
     */
    static SinkBenchmark.Result sinkFigure(ConfigSource source, double scale, int rounds, Consumer<String> progress)
            throws Exception {
        int rows = (int) Math.max(5_000, Math.round(200_000 * scale));
        int batch = Math.min(10_000, rows);
        progress.accept(String.format("bench: ClickHouse sink vs raw JSONEachRow INSERT, %,d rows", rows));
        // at least 3 rounds: a round takes seconds, and one round disturbed by what ran before it (the scale-10
        // replay) once gave 0.58 where three undisturbed ones give 0.72-0.85
        return SinkBenchmark.run(source, rows, batch, 1, Math.max(3, rounds));
    }

    private static long scorecards(SimulationSummary s) {
        return s.count(Count.SCORECARDS_CONVERSATION) + s.count(Count.SCORECARDS_BATCH) + s.count(Count.SCORECARDS_PROCESS)
                + s.count(Count.SCORECARDS_APPEAL_REPLICA) + s.count(Count.SCORECARDS_APPEAL_REQUEST)
                + s.count(Count.SCORECARDS_APPEAL_RESOLVE) + s.count(Count.SCORECARDS_CALIBRATION)
                + s.count(Count.SCORECARDS_OTHER_TYPE);
    }

    /** Every topic this run created: they all carry its name, with underscores or dashes. */
    private static void deleteTopics(KafkaSettings kafka, String name) {
        String dashed = name.replace('_', '-');
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            List<String> mine = admin.listTopics(new ListTopicsOptions().listInternal(false)).names().get().stream()
                    .filter(t -> t.contains(name) || t.contains(dashed)).toList();
            admin.deleteTopics(mine).all().get();
        } catch (Exception e) {
            LOG.warn("could not delete the benchmark's topics (*{}*): {}", name, e.toString());
        }
    }

    private static Connection connect(PostgresSettings p) throws SQLException {
        return DriverManager.getConnection(p.jdbcUrl(), p.user(), p.password());
    }

    private static void createDatabase(Endpoints endpoints, String name) throws SQLException {
        try (Connection c = DriverManager.getConnection(endpoints.postgresUrl(), endpoints.postgresUser(),
                endpoints.postgresPassword()); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
    }

    private static void dropDatabase(Endpoints endpoints, String name) throws SQLException {
        try (Connection c = DriverManager.getConnection(endpoints.postgresUrl(), endpoints.postgresUser(),
                endpoints.postgresPassword()); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }

    /**
     * The names of one replay of the CDC topics under {@code prefix}: its application id, state directory and output
     * topics, all after {@code base} (a fresh application reads from offset 0).
     */
    static Map<String, String> replayNames(String prefix, String base, Path stateDir) {
        Map<String, String> config = new HashMap<>();
        config.put(TopicNames.PREFIX.name(), prefix);
        config.put(TopicNames.GAPS.name(), base + "-gaps");
        config.put(TopicNames.GAP_RATES.name(), base + "-gap-rates");
        config.put(TopicNames.LABELS.name(), base + "-labels");
        config.put(TopicNames.DLQ.name(), base + "-dlq");
        config.put(StreamsSettings.APPLICATION_ID.name(), base);
        config.put(StreamsSettings.STATE_DIR.name(), stateDir.toString());
        return config;
    }
}
