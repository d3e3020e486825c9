package io.cdcsentinel.bench;

import io.cdcsentinel.avro.GapEventType;
import io.cdcsentinel.avro.GapStage;
import io.cdcsentinel.avro.ScorecardGapEvent;
import io.cdcsentinel.cdc.CdcRunner;
import io.cdcsentinel.cdc.CdcTopics;
import io.cdcsentinel.cli.Pipeline;
import io.cdcsentinel.config.CdcSettings;
import io.cdcsentinel.config.ClickHouseSettings;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.LabelSettings;
import io.cdcsentinel.config.PostgresSettings;
import io.cdcsentinel.config.RegistrySettings;
import io.cdcsentinel.config.SinkSettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.sim.Count;
import io.cdcsentinel.sim.Milestone;
import io.cdcsentinel.sim.Scenario;
import io.cdcsentinel.sim.SimulationSummary;
import io.cdcsentinel.sim.Simulator;
import io.cdcsentinel.sim.WorkloadSpec;
import io.cdcsentinel.sink.LabelStore;
import io.cdcsentinel.sink.LabelTable;
import io.cdcsentinel.topology.AvroSerdes;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live pipeline under a steady background load, for latencies: the simulator writes healthy traffic (with some
 * lost historic writes) at a target number of row changes per second, paced on the wall clock with current
 * timestamps; the CDC runner captures it and the {@link Pipeline} of {@code run} processes it (topologies and
 * ClickHouse sink, production settings but {@code labels.settle.window=0}).
 *
 * <p>End-to-end latency of a conversation = the moment its {@code ended_at} row is visible in ClickHouse (polled
 * every {@value #POLL_MILLIS} ms by Kafka offset, so each new row is seen once) minus the moment the transaction
 * that set {@code ended_at} committed (the simulator's JDBC commit returned).
 */
final class LiveBench {
    private static final Logger LOG = LoggerFactory.getLogger(LiveBench.class);
    static final long POLL_MILLIS = 20;
    /** How long after the load ends a conversation may still become visible before it counts as not seen. */
    static final Duration DRAIN = Duration.ofSeconds(60);
    /** How long the pipeline may take to start before the load. */
    static final Duration STARTUP = Duration.ofSeconds(120);
    /**
     * Mean conversation length of the load, half of it to review and to submit: short, so that most of a story's
     * writes fall inside the load window and the load is steady soon (after about {@link #RAMP}).
     */
    static final Duration STORY_PHASE = Duration.ofSeconds(2);
    static final Duration RAMP = STORY_PHASE.multipliedBy(3);
    /** {@code gaps.grace} of the live pipeline: short, so that every lost write of the load opens its gap in time. */
    static final Duration GRACE = Duration.ofSeconds(5);

    /**
     * @param steadyRowsPerSecond row changes per second committed in the steady part of the load (after the first
     *                            stories have reached their later writes, until the last story started)
     */
    record Result(LatencyRecorder endToEnd, LatencyRecorder endToEndOutside, long conversationsEnded, long notSeen,
            SimulationSummary load, double targetRowsPerSecond, double steadyRowsPerSecond, SinkSettings sink, boolean gapsRunning,
            LatencyRecorder gapAlerts, LatencyRecorder gapAlertsOutside, LatencyRecorder gapAlertsAfterLoad,
            long gapsExpected, long gapsNotSeen) {
    }

    private final PostgresSettings postgres;
    private final ConfigSource endpoints;
    private final String name;
    private final String publication;
    private final Path stateRoot;

    LiveBench(PostgresSettings postgres, ConfigSource endpoints, String name, String publication, Path stateRoot) {
        this.postgres = postgres;
        this.endpoints = endpoints;
        this.name = name;
        this.publication = publication;
        this.stateRoot = stateRoot;
    }

    String slot() {
        return name + "_live";
    }

    /** The live capture's slot, created before its load is written (no snapshot needed). */
    private void createSlot() throws SQLException {
        try (Connection c = java.sql.DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
                Statement s = c.createStatement()) {
            s.execute("SELECT pg_create_logical_replication_slot('" + slot() + "', 'pgoutput')");
        }
    }

    /** The background load: healthy traffic with some lost writes, short stories, current timestamps. */
    static WorkloadSpec load(long seed, double storiesPerSecond, Duration duration) {
        Map<Scenario, Integer> mix = new LinkedHashMap<>();
        mix.put(Scenario.STEADY, 3);
        mix.put(Scenario.ASYNC_RACE, 1);
        return WorkloadSpec.builder().seed(seed).mix(mix).rate(storiesPerSecond)
                .count(Math.max(1, Math.round(storiesPerSecond * duration.toMillis() / 1000.0)))
                .start(Instant.now().truncatedTo(ChronoUnit.MICROS)).conversationLength(STORY_PHASE)
                .reviewDelay(STORY_PHASE.dividedBy(2)).submitDelay(STORY_PHASE.dividedBy(2))
                .lateDelay(STORY_PHASE.multipliedBy(4)).build();
    }

    Result run(double rowsPerSecond, Duration duration, long seed) throws Exception {
        String base = name.replace('_', '-') + "-live";
        Map<String, String> config = Bench.replayNames(base, base, stateRoot.resolve(base));
        config.put(LabelSettings.SETTLE_WINDOW.name(), "0s");
        config.put("gaps.grace", GRACE.toMillis() + "ms");
        config.put(ClickHouseSettings.DATABASE.name(), name);
        config.put(SinkSettings.TABLE.name(), "conversation_labels");
        config.put(SinkSettings.GROUP_ID.name(), base + "-sink");
        config.put(CdcSettings.NAME.name(), base + "-cdc");
        config.put(CdcSettings.SLOT.name(), slot());
        config.put(CdcSettings.PUBLICATION.name(), publication);
        config.put(CdcSettings.OFFSETS_TOPIC.name(), base + "-cdc-offsets");
        config.put(CdcSettings.SNAPSHOT_MODE.name(), "no_data");
        // a heartbeat soon after the engine streams tells when the load can start (awaitStarted)
        config.put(CdcSettings.HEARTBEAT.name(), "500ms");
        ConfigSource source = endpoints.with(config);
        SinkSettings sinkSettings = SinkSettings.from(source);

        double storyRate = rowsPerSecond / Math.max(1, Simulator.rowsPerStory(load(seed, 1, Duration.ofSeconds(2_000)), 2_000));
        WorkloadSpec spec = load(seed, storyRate, duration);
        LatencyRecorder latency = new LatencyRecorder("end to end: ended_at commit -> row in ClickHouse");
        LatencyRecorder latencyOutside = new LatencyRecorder(
                "end to end, outside the steady window: ended_at commit -> row in ClickHouse");
        SteadyWindow window = new SteadyWindow();
        Map<String, Long> committed = new ConcurrentHashMap<>();
        Map<String, Long> seenEarly = new ConcurrentHashMap<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        GapAlerts gaps = new GapAlerts(source, TopicNames.from(source).gaps(), window, failure);

        createSlot();
        try (CdcRunner runner = new CdcRunner(postgres, KafkaSettings.from(source), CdcSettings.from(source),
                TopicNames.from(source)); Pipeline pipeline = Pipeline.fromConfig(source)) {
            runner.start();
            pipeline.start();
            awaitStarted(runner, CdcTopics.heartbeatTopic(TopicNames.from(source)), pipeline);
            boolean gapsRunning = pipeline.streams().keySet().stream().anyMatch(id -> id.endsWith("-gaps"));
            if (gapsRunning) {
                gaps.start();
            }
            LabelTable table = pipeline.sink().orElseThrow().table();
            try (LabelStore store = new LabelStore(ClickHouseSettings.from(source), table)) {
                Thread poller = new Thread(() -> poll(store, table, window, latency, latencyOutside, committed,
                        seenEarly, failure), "bench-clickhouse-poller");
                poller.setDaemon(true);
                poller.start();
                try {
                    Simulator simulator = new Simulator(postgres, spec).milestones((m, at) -> {
                        String key = key(m.tenant().customer(), m.tenant().profile(), m.id());
                        switch (m.kind()) {
                            case CONVERSATION_ENDED -> {
                                if (seenEarly.remove(key) == null) {
                                    committed.put(key, at);
                                }
                            }
                            case GAP_SCORECARD_CREATED -> gaps.created(key, at);
                            case GAP_SCORECARD_SUBMITTED -> gaps.submitted(key, at);
                            default -> throw new IllegalStateException(m.kind().name());
                        }
                    });
                    long[] steadyRows = new long[2];
                    Thread sampler = new Thread(() -> sampleSteadyLoad(simulator, window, steadyRows),
                            "bench-load-sampler");
                    sampler.setDaemon(true);
                    window.open(System.currentTimeMillis(), duration);
                    sampler.start();
                    SimulationSummary load = simulator.run();
                    gaps.loadEnded(System.currentTimeMillis());
                    sampler.join();
                    long deadline = System.nanoTime() + DRAIN.toNanos();
                    while ((!committed.isEmpty() || (gapsRunning && gaps.pending() > 0))
                            && System.nanoTime() < deadline && failure.get() == null && pipeline.failure().isEmpty()) {
                        TimeUnit.MILLISECONDS.sleep(50);
                    }
                    pipeline.failure().ifPresent(f -> failure.compareAndSet(null, new IllegalStateException(f)));
                    if (failure.get() != null) {
                        throw new IllegalStateException("live pipeline failed: " + failure.get(), failure.get());
                    }
                    double steady = steadyRows[1] <= 0 ? load.rowsPerSecond() : steadyRows[0] / (steadyRows[1] / 1e9);
                    return new Result(latency, latencyOutside, load.count(Count.CHATS_ENDED), committed.size(), load,
                            rowsPerSecond, steady, sinkSettings, gapsRunning, gaps.latency(), gaps.latencyOutside(),
                            gaps.latencyAfterLoad(), gaps.expected(), gaps.pending());
                } finally {
                    poller.interrupt();
                    poller.join(5_000);
                    gaps.close();
                }
            }
        }
    }

    /**
     * The load starts once the CDC runner streams (it has written a heartbeat) and every topology and the sink run
     * (first rebalance done, stores open): the figures are latencies under a steady load, and a start-up that
     * overlaps the first stories puts its seconds into their latency (seen as end-to-end latencies of several
     * seconds for the first conversations when the load started with the pipeline).
     */
    private static void awaitStarted(CdcRunner runner, String heartbeats, Pipeline pipeline) throws InterruptedException {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        long started = System.nanoTime();
        while (runner.counts().getOrDefault(heartbeats, 0L) == 0 || !pipeline.isRunning()) {
            pipeline.failure().ifPresent(f -> {
                throw new IllegalStateException("live pipeline failed to start: " + f);
            });
            if (!runner.isRunning()) {
                throw new IllegalStateException("live CDC runner failed to start: " + runner.failure(), runner.failure());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("live pipeline not running after " + STARTUP + ": " + pipeline.status());
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
        LOG.info("live pipeline running after {} ms; starting the load", (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * The steady part of the load, in wall-clock milliseconds: from {@link #RAMP} after its start (stories have
     * reached their later writes) until the last story starts. The latency figures with a goal are those of the
     * conversations that ended, and of the gap deadlines that expired, inside it. Outside it the load is not the
     * steady load the goals are about: during the wind-down only the late writes of the last stories are left, and
     * a deadline decided by stream time waits for the next of them (measured: alerts 1 to 2 s late, all in the last
     * seconds of the load). Those are reported apart.
     */
    private static final class SteadyWindow {
        private volatile long start = Long.MAX_VALUE;
        private volatile long end = Long.MIN_VALUE;

        void open(long loadStart, Duration duration) {
            end = loadStart + duration.toMillis();
            start = loadStart + Math.min(RAMP.toMillis(), duration.toMillis() / 2);
        }

        boolean contains(long millis) {
            return millis >= start && millis <= end;
        }
    }

    /** Rows committed inside the steady window: {rows, nanos}. */
    private static void sampleSteadyLoad(Simulator simulator, SteadyWindow window, long[] rows) {
        try {
            TimeUnit.MILLISECONDS.sleep(Math.max(0, window.start - System.currentTimeMillis()));
            long rows0 = simulator.rowsCommitted();
            long t0 = System.nanoTime();
            TimeUnit.MILLISECONDS.sleep(Math.max(0, window.end - System.currentTimeMillis()));
            rows[0] = simulator.rowsCommitted() - rows0;
            rows[1] = System.nanoTime() - t0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Reads the rows the sink added since the last poll (by Kafka partition and offset, which the sink writes with
     * every row and inserts in order per partition) and closes the latency of every conversation whose end committed.
     */
    private static void poll(LabelStore store, LabelTable table, SteadyWindow window, LatencyRecorder latency,
            LatencyRecorder latencyOutside, Map<String, Long> committed,
            Map<String, Long> seenEarly, AtomicReference<Throwable> failure) {
        Map<String, Long> maxOffset = new HashMap<>();
        try {
            while (!Thread.currentThread().isInterrupted()) {
                long floor = maxOffset.values().stream().mapToLong(Long::longValue).min().orElse(-1);
                List<String[]> rows = store.query("SELECT kafka_partition, kafka_offset, customer_id, profile_id,"
                        + " conversation_id FROM " + table.qualifiedName() + " WHERE kafka_offset > " + floor
                        + " AND kind IN ('FINAL', 'CORRECTION')");
                long now = System.currentTimeMillis();
                List<String> fresh = new ArrayList<>();
                for (String[] r : rows) {
                    long offset = Long.parseLong(r[1]);
                    if (offset > maxOffset.getOrDefault(r[0], -1L)) {
                        fresh.add(key(r[2], r[3], r[4]));
                    }
                }
                for (String[] r : rows) {
                    maxOffset.merge(r[0], Long.parseLong(r[1]), Math::max);
                }
                for (String key : fresh) {
                    Long at = committed.remove(key);
                    if (at != null) {
                        LatencyRecorder recorder = window.contains(at) ? latency : latencyOutside;
                        recorder.record(Duration.ofMillis(Math.max(0, now - at)));
                    } else {
                        seenEarly.put(key, now);
                    }
                }
                TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("ClickHouse poller failed", e);
            failure.compareAndSet(null, e);
        }
    }

    /**
     * Gap alert latency: for every OPENED alert on the gaps topic (read_committed, as a consumer of the alerts
     * would read it), the moment it was consumed minus the grace deadline it reports: the commit of the scorecard's
     * creation, or of its first submission for stage AFTER_SUBMIT, plus {@link #GRACE}.
     *
     * <p>Two distributions, because two clocks decide them: a deadline that expires while the load still runs is
     * decided by stream time, at the first change committed after it; one that expires after the last write of the
     * load can only be decided by the wall-clock fallback, once the sources have been quiet for
     * {@code gaps.clock.idle.after} (then at the next punctuation), so it is that long late by design.
     */
    private static final class GapAlerts implements AutoCloseable {
        private final Map<String, Long> created = new ConcurrentHashMap<>();
        private final Map<String, Long> submitted = new ConcurrentHashMap<>();
        private final Set<String> opened = ConcurrentHashMap.newKeySet();
        private final LatencyRecorder latency = new LatencyRecorder("gap alert: grace expiry -> OPENED alert consumed");
        private final LatencyRecorder outside = new LatencyRecorder(
                "gap alert, grace expired outside the steady window: grace expiry -> OPENED alert consumed");
        private final LatencyRecorder afterLoad = new LatencyRecorder(
                "gap alert, grace expired after the load: grace expiry -> OPENED alert consumed");
        /** Wall clock when the last write of the load committed; 0 while it runs. */
        private volatile long loadEnded;
        private final ConfigSource source;
        private final String topic;
        private final SteadyWindow window;
        private final AtomicReference<Throwable> failure;
        private volatile boolean running = true;
        private Thread thread;

        GapAlerts(ConfigSource source, String topic, SteadyWindow window, AtomicReference<Throwable> failure) {
            this.source = source;
            this.window = window;
            this.topic = topic;
            this.failure = failure;
        }

        void created(String key, long at) {
            created.put(key, at);
        }

        void submitted(String key, long at) {
            submitted.put(key, at);
        }

        long expected() {
            return created.size();
        }

        long pending() {
            return created.keySet().stream().filter(k -> !opened.contains(k)).count();
        }

        LatencyRecorder latency() {
            return latency;
        }

        LatencyRecorder latencyOutside() {
            return outside;
        }

        LatencyRecorder latencyAfterLoad() {
            return afterLoad;
        }

        void loadEnded(long at) {
            loadEnded = at;
        }

        void start() {
            thread = new Thread(this::consume, "bench-gap-alerts");
            thread.setDaemon(true);
            thread.start();
        }

        private void consume() {
            Map<String, Object> config = new HashMap<>(KafkaSettings.from(source).clientConfig());
            config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            config.put(ConsumerConfig.GROUP_ID_CONFIG, topic + "-bench-reader");
            Deserializer<ScorecardGapEvent> values = new AvroSerdes(RegistrySettings.from(source))
                    .forValues(ScorecardGapEvent.class).deserializer();
            try (KafkaConsumer<byte[], ScorecardGapEvent> consumer = new KafkaConsumer<>(config,
                    new ByteArrayDeserializer(), values)) {
                consumer.subscribe(List.of(topic));
                while (running) {
                    for (ConsumerRecord<byte[], ScorecardGapEvent> r : consumer.poll(Duration.ofMillis(20))) {
                        long now = System.currentTimeMillis();
                        ScorecardGapEvent e = r.value();
                        if (e == null || e.getEventType() != GapEventType.OPENED) {
                            continue;
                        }
                        String key = key(e.getCustomer(), e.getProfile(), e.getScorecardId());
                        Long anchor = e.getStage() == GapStage.AFTER_SUBMIT ? submitted.get(key) : created.get(key);
                        if (anchor != null && opened.add(key)) {
                            long deadline = anchor + GRACE.toMillis();
                            long ended = loadEnded;
                            LatencyRecorder recorder = ended != 0 && deadline >= ended ? afterLoad
                                    : window.contains(deadline) ? latency : outside;
                            recorder.record(Duration.ofMillis(Math.max(0, now - deadline)));
                        }
                    }
                }
            } catch (RuntimeException e) {
                LOG.warn("gap alert reader failed", e);
                failure.compareAndSet(null, e);
            }
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            if (thread != null) {
                thread.join(10_000);
            }
        }
    }

    private static String key(String customer, String profile, String conversation) {
        return customer + '\u0000' + profile + '\u0000' + conversation;
    }

}
