package io.cdcsentinel.bench;

import io.cdcsentinel.backfill.Backfill;
import io.cdcsentinel.backfill.BackfillReport;
import io.cdcsentinel.backfill.BackfillWindow;
import io.cdcsentinel.backfill.Replay;
import io.cdcsentinel.cli.BackfillCommand;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.GapSettings;
import io.cdcsentinel.config.LabelSettings;
import io.cdcsentinel.config.StreamsSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The backfill figures: {@link Backfill} itself, the class {@code bin/sentinel backfill} runs, with the command's own
 * {@link Replay} adapter ({@link BackfillCommand#replay}, the {@code Pipeline} of {@code run} with its sink), over the
 * workload the bench wrote: once from the retained CDC topics the runner wrote ({@code --source topics}), once from a
 * re-snapshot of the bench's PostgreSQL database ({@code --source snapshot}).
 *
 * <p>The adapter is wrapped only to take times: when the backfill creates its pipeline (the end of the re-snapshot
 * phase and of the checks before it) and when the sink's row count last moved (the last ClickHouse row of the
 * replay). The replay's own time and rate are the backfill report's ({@code replayMillis}, from the pipeline's
 * creation to the end of its replay: every input consumed, repartition topics drained, the sink done, the outputs
 * quiet once the input's end has fired the last timers).
 *
 * <p>The window covers the workload's {@code created_at} range as PostgreSQL holds it ({@link #window}): the
 * simulator derives every timestamp column from the workload's start (one story a simulated second, each story's
 * writes within the hour after its start; {@link Bench#workload} ends that timeline when the bench starts), so the
 * range is the workload's span, about 9.3 hours at scale 1. The batch hour's scorecards carry a conversation time a day
 * earlier, but in {@code scorecard_time}, with no {@code app.chats} row; the window selects on {@code created_at}.
 */
final class BackfillBench {
    /** The largest customer: a month of its events must backfill in 5 minutes. */
    static final long LARGEST_CUSTOMER_MONTH = 15_000_000;
    static final Duration MONTH_GOAL = Duration.ofMinutes(5);
    static final Duration TIMEOUT = Duration.ofHours(1);

    /**
     * One backfill run.
     *
     * @param report      the backfill's own report (records read, replay time and rate, rows scanned, shadow rows)
     * @param beforeReplay from {@code Backfill.run()} to the pipeline's creation: the checks, and for a re-snapshot
     *                    the whole re-snapshot phase (engine start, signal, scan, delivery, slot dropped)
     * @param toLastRow   from the pipeline's creation to the last change of the sink's row count (polled every 500 ms
     *                    by the backfill)
     * @param total       the whole {@code Backfill.run()}
     */
    record Run(BackfillReport report, Duration beforeReplay, Duration toLastRow, Duration total) {
        long records() {
            return report.recordsRead();
        }

        Duration replay() {
            return Duration.ofMillis(report.replayMillis());
        }

        /** Records read by the replay per second of the replay, as the backfill reports it. */
        double replayRate() {
            return records() / CdcBench.seconds(replay());
        }

        /** Records per second of the whole run: re-snapshot (if any), replay and the checks before them. */
        double overallRate() {
            return records() / CdcBench.seconds(total);
        }

        /** The replay's end after its last ClickHouse row: the last timers and the quiet period, the same at any size. */
        Duration tail() {
            Duration t = replay().minus(toLastRow);
            return t.isNegative() ? Duration.ZERO : t;
        }

        /** Records per second up to the last ClickHouse row: the re-snapshot phase (if any) and the replay without its tail. */
        double rateToLastRow() {
            return records() / CdcBench.seconds(beforeReplayOfSource().plus(toLastRow));
        }

        private Duration beforeReplayOfSource() {
            return "snapshot".equals(report.source()) ? beforeReplay : Duration.ZERO;
        }

        long snapshotRows() {
            return report.snapshotRowsScanned() == null ? 0
                    : report.snapshotRowsScanned().values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private final ConfigSource source;
    private final String cdcPrefix;
    private final String name;
    private final Path workDir;
    private final Consumer<String> progress;

    /**
     * @param source    the bench's configuration (endpoints, its PostgreSQL database and ClickHouse database)
     * @param cdcPrefix the topic prefix of the CDC topics the runner wrote (the topology replay's input)
     * @param name      the bench run's name: every application id, topic and table of the backfills carries it
     */
    BackfillBench(ConfigSource source, String cdcPrefix, String name, Path workDir, Consumer<String> progress) {
        this.source = source;
        this.cdcPrefix = cdcPrefix;
        this.name = name;
        this.workDir = workDir;
        this.progress = progress;
    }

    /**
     * The smallest window of whole minutes holding every scorecard's and conversation's {@code created_at} in
     * {@code [min, max]}: {@code [min floored to the minute, max floored to the minute + 1 min)}. Minutes because the
     * window's id, which names the backfill's application, topics and slot, is in minutes.
     */
    static BackfillWindow window(Instant min, Instant max) {
        return new BackfillWindow(min.truncatedTo(ChronoUnit.MINUTES), max.truncatedTo(ChronoUnit.MINUTES).plus(1,
                ChronoUnit.MINUTES), List.of());
    }

    /** The workload's {@code created_at} range in PostgreSQL: scorecards and conversations, the columns the backfill's window selects on. */
    static BackfillWindow window(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT least(s.lo, c.lo), greatest(s.hi, c.hi)"
                + " FROM (SELECT min(created_at) lo, max(created_at) hi FROM director.scorecards) s,"
                + " (SELECT min(created_at) lo, max(created_at) hi FROM app.chats) c")) {
            rs.next();
            return window(rs.getTimestamp(1).toInstant(), rs.getTimestamp(2).toInstant());
        }
    }

    /** How long {@code events} take at {@code ratePerSecond}: what a measured rate implies for a larger input. */
    static Duration implied(long events, double ratePerSecond) {
        return Duration.ofNanos(Math.round(events / ratePerSecond * 1e9));
    }

    /**
     * Runs one backfill of {@code window} from {@code choice} (TOPICS or SNAPSHOT) under its own application id, with
     * the topology replay's settings (threads, grace, settle window), and deletes its local state afterwards.
     */
    Run run(Backfill.SourceChoice choice, BackfillWindow window) throws Exception {
        String tag = choice == Backfill.SourceChoice.TOPICS ? "bft" : "bfs";
        String base = name.replace('_', '-') + "-" + tag;
        Path stateDir = workDir.resolve("backfill").resolve(base);
        // the "live" outputs only name the shadow ones (<live>.backfill.<window>); nothing is applied to them
        Map<String, String> config = Bench.replayNames(cdcPrefix, base, stateDir);
        config.put(StreamsSettings.THREADS.name(), Integer.toString(Bench.REPLAY_THREADS));
        // as in the topology replay: a short grace and no settle window, so the backfill decides every gap and writes
        // every label of a workload whose commit times span only the minutes it took to write
        config.put(GapSettings.GRACE.name(), LiveBench.GRACE.toMillis() + "ms");
        config.put(LabelSettings.SETTLE_WINDOW.name(), "0s");
        Timed timed = new Timed();
        Backfill backfill = new Backfill(source.with(config), new Backfill.Options(window, choice, false, false, null, TIMEOUT,
                null), timed);
        progress.accept("bench: backfill " + window.id() + " --source " + choice.name().toLowerCase() + ", application id "
                + backfill.plan().applicationId());
        try {
            long start = System.nanoTime();
            Backfill.Result result = backfill.run();
            Duration total = Duration.ofNanos(System.nanoTime() - start);
            BackfillReport report = result.report();
            progress.accept(report.summary().stripTrailing());
            return new Run(report, Duration.ofNanos(timed.createdAt - start), Duration.ofNanos(Math.max(0,
                    timed.lastRowAt - timed.createdAt)), total);
        } finally {
            deleteTree(stateDir);
        }
    }

    /**
     * The figures of a topics run and a snapshot run; the topics run is compared with {@code topologyRate}, the rate
     * of the topology replay over the same CDC topics in the same run.
     */
    static List<Figure> figures(Run topics, Run snapshot, double topologyRate, String topologyHow) {
        List<Figure> figures = new ArrayList<>();
        double rate = topics.replayRate();
        String topicsHow = String.format("Backfill (the code of `bin/sentinel backfill --source topics`, sink on) over the"
                        + " same %,d CDC records, timed as the backfill times its replay: from the creation of its"
                        + " pipeline to the end of its replay (inputs consumed, repartition topics drained, sink done,"
                        + " last timers fired at the input's end, outputs quiet): %.1f s, of which the last"
                        + " ClickHouse row came at %.1f s (%,.0f records/s to it); %,d rows in the shadow table; the checks"
                        + " before the replay took %.1f s more. Streams start-up and the quiet tail are in the time, the"
                        + " baseline's (%s) are not",
                topics.records(), CdcBench.seconds(topics.replay()), CdcBench.seconds(topics.toLastRow()),
                topics.records() / CdcBench.seconds(topics.toLastRow()), topics.report().shadowTableRows(),
                CdcBench.seconds(topics.beforeReplay()), topologyHow);
        figures.add(Figure.ratio("backfill rate: CDC topics -> ClickHouse rows", rate, "records/s",
                "replay of the topologies over the same topics", topologyRate, 0.8, topicsHow));
        figures.add(Figure.absolute("backfill rate from the CDC topics, absolute", rate, "records/s", "records/s >= 50,000",
                rate >= 50_000, "the rate above"));
        figures.add(Figure.absolute("backfill from a re-snapshot: rows re-read -> ClickHouse rows, both phases",
                snapshot.overallRate(), "records/s", null, null, String.format("Backfill --source snapshot (window"
                        + " [%s, %s)): %,d records re-read from PostgreSQL through Debezium (%,d rows scanned %s) and"
                        + " replayed, %,d rows in the shadow table; timed from Backfill.run() to its end: %.1f s",
                        snapshot.report().from(), snapshot.report().to(), snapshot.records(), snapshot.snapshotRows(),
                        snapshot.report().snapshotRowsScanned(), snapshot.report().shadowTableRows(),
                        CdcBench.seconds(snapshot.total()))));
        figures.add(Figure.absolute("backfill re-snapshot phase: PostgreSQL -> Debezium -> Kafka", snapshot.records()
                / CdcBench.seconds(snapshot.beforeReplay()), "records/s", null, null, String.format("%.1f s from"
                        + " Backfill.run() to the creation of the replay's pipeline: checks, the backfill's own engine"
                        + " started (slot, publication), the incremental snapshot signalled, scanned and delivered"
                        + " (COMPLETED, every scanned row acknowledged by Kafka, 5 s without a snapshot record), slot"
                        + " dropped, offsets captured", CdcBench.seconds(snapshot.beforeReplay()))));
        figures.add(Figure.absolute("backfill replay phase of the re-snapshot", snapshot.replayRate(), "records/s", null,
                null, String.format("as the topics backfill's replay: %.1f s, the last ClickHouse row at %.1f s; the"
                        + " replay ends as the topics backfill's does, once the last timers fired and the outputs are"
                        + " quiet", CdcBench.seconds(snapshot.replay()),
                        CdcBench.seconds(snapshot.toLastRow()))));
        figures.add(monthFigure("15M events (a month of the largest customer) from the CDC topics, extrapolated",
                topics.replayRate(), topics.records(), topics.tail(), topics.rateToLastRow()));
        figures.add(monthFigure("15M events from a re-snapshot, both phases, extrapolated", snapshot.overallRate(),
                snapshot.records(), snapshot.tail(), snapshot.rateToLastRow()));
        return figures;
    }

    /** The time {@code rate} implies for {@link #LARGEST_CUSTOMER_MONTH} events, against the 5-minute goal. */
    static Figure monthFigure(String name, double rate, long measuredRecords, Duration tail, double rateToLastRow) {
        Duration implied = implied(LARGEST_CUSTOMER_MONTH, rate);
        Duration split = tail.plus(implied(LARGEST_CUSTOMER_MONTH, rateToLastRow));
        return Figure.absolute(name, implied.toMillis() / 60_000.0, "min", "<= 5 min (extrapolated)",
                implied.compareTo(MONTH_GOAL) <= 0, String.format("extrapolated, not measured at that size: %,d events /"
                        + " %,.0f records/s, the rate measured over %,d records. The fixed tail after the last ClickHouse"
                        + " row (%.1f s: the last timers and the quiet period) is in that rate; counted once, with the"
                        + " rest at the rate up to the last row (%,.0f records/s), the same measurement implies %.1f min."
                        + " Both assume the rate holds at 15M (state 17 times larger than measured)",
                        LARGEST_CUSTOMER_MONTH, rate, measuredRecords, CdcBench.seconds(tail), rateToLastRow,
                        split.toMillis() / 60_000.0));
    }

    /** Drops what a re-snapshot left in the database if it failed midway: its slot (a slot keeps the database from being dropped). */
    static void dropSlots(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = current_database()"
                    + " AND slot_name LIKE 'sentinel\\_bf\\_%' AND NOT active");
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the backfill's state " + dir, e);
        }
    }

    /** The command's adapter, with two times taken: its creation and the last change of the sink's row count. */
    private static final class Timed implements Replay.Factory {
        volatile long createdAt;
        volatile long lastRowAt;

        @Override
        public Replay create(ConfigSource config, Map<String, Object> streamsOverrides) {
            // the backfill's replay clock starts just before it asks for its pipeline: so does this one
            createdAt = System.nanoTime();
            Replay replay = BackfillCommand.replay(config, streamsOverrides);
            lastRowAt = createdAt;
            return new Replay() {
                private long rows;

                @Override
                public void start() {
                    replay.start();
                }

                @Override
                public Optional<String> failure() {
                    return replay.failure();
                }

                @Override
                public long sinkLagRecords() {
                    return replay.sinkLagRecords();
                }

                @Override
                public long sinkRowsWritten() {
                    long n = replay.sinkRowsWritten();
                    if (n != rows) {
                        rows = n;
                        lastRowAt = System.nanoTime();
                    }
                    return n;
                }

                @Override
                public void close() {
                    replay.close();
                }
            };
        }
    }
}
