package io.cdcsentinel.sim;

import io.cdcsentinel.cdc.SourceSchema;
import io.cdcsentinel.config.PostgresSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Writes a {@link WorkloadSpec} into PostgreSQL: plans stories in start order (on this thread, so the plan is
 * deterministic), keeps their transactions in one time-ordered queue, and hands each to the {@link TxWriter} when
 * it is due: at once with rate 0, at its simulated offset on the wall clock with a rate, or as the row budget
 * allows with a row rate.
 *
 * <p>Stopping ({@link #stop()}, or the duration running out) never cuts a story: no new story starts, and every
 * transaction of the started ones is still written, so the truth stays exact. {@link #stop()} also drops the
 * pacing so the remaining writes go out at once.
 */
public final class Simulator {
    private final PostgresSettings postgres;
    private final WorkloadSpec spec;
    private Path truthFile;
    private Duration progressEvery;
    private Consumer<String> progress;
    private TxWriter.CommitListener listener;
    private volatile boolean stopRequested;
    private volatile Counts live;

    public Simulator(PostgresSettings postgres, WorkloadSpec spec) {
        this.postgres = postgres;
        this.spec = spec;
    }

    /** Also write the expected truth to {@code file} (see {@link Truth} for the format). */
    public Simulator truthFile(Path file) {
        this.truthFile = file;
        return this;
    }

    /** Report progress (one line) this often while running. */
    public Simulator progress(Duration every, Consumer<String> sink) {
        this.progressEvery = every;
        this.progress = sink;
        return this;
    }

    /**
     * Report every {@link Milestone} with the wall-clock time its transaction's commit returned (a benchmark measures
     * downstream latency from it). Called on the writer threads: keep it short.
     */
    public Simulator milestones(Milestone.Listener milestoneListener) {
        this.listener = transactions -> {
            long now = System.currentTimeMillis();
            for (Tx tx : transactions) {
                for (Milestone m : tx.milestones()) {
                    milestoneListener.reached(m, now);
                }
            }
        };
        return this;
    }

    /**
     * Rows the stories of {@code spec} write on average, from planning (not writing) the first {@code sample} of
     * them: lets a caller turn a target in rows per second into a story rate.
     */
    public static double rowsPerStory(WorkloadSpec spec, int sample) {
        Workload workload = new Workload(spec);
        long rows = 0;
        int stories = 0;
        while (stories < sample && workload.peekStart() != null) {
            for (Tx tx : workload.next().transactions(0, 0)) {
                rows += tx.rows();
            }
            stories++;
        }
        return stories == 0 ? 0 : rows / (double) stories;
    }

    /** Row changes committed so far by the current (or last) run: for a caller that measures the load it puts on. */
    public long rowsCommitted() {
        Counts c = live;
        return c == null ? 0 : c.get(Count.ROWS);
    }

    /** Ends the run early: no new stories; the started ones are written at once, without pacing. */
    public void stop() {
        stopRequested = true;
    }

    public SimulationSummary run() throws SQLException, IOException, InterruptedException {
        try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password())) {
            SourceSchema.apply(c);
        }
        Counts counts = new Counts();
        live = counts;
        Workload workload = new Workload(spec);
        PriorityQueue<Tx> pending = new PriorityQueue<>(Comparator.comparing(Tx::at).thenComparingLong(Tx::seq));
        long start = System.nanoTime();
        long stories = 0;
        long seq = 0;
        long nextRowSlot = start;
        long nextProgress = progressEvery == null ? Long.MAX_VALUE : start + progressEvery.toNanos();
        boolean paced = spec.rate() > 0;
        try (TruthRecorder truth = new TruthRecorder(truthFile, spec);
                TxWriter writer = new TxWriter(postgres, spec.connections(), spec.pipeline(), counts, listener)) {
            while (true) {
                long now = System.nanoTime();
                if (stopRequested || (spec.duration() != null && now - start >= spec.duration().toNanos())) {
                    workload.stop();
                }
                if (now >= nextProgress) {
                    progress.accept(String.format("simulate: %,d stories, %,d transactions, %,d rows committed",
                            stories, counts.get(Count.TRANSACTIONS), counts.get(Count.ROWS)));
                    nextProgress = now + progressEvery.toNanos();
                }
                Instant nextStory = workload.peekStart();
                Tx head = pending.peek();
                if (nextStory != null && (head == null || !nextStory.isAfter(head.at()))) {
                    Story story = workload.next();
                    truth.record(story);
                    List<Tx> txs = story.transactions(seq, (int) (story.number() % writer.lanes()));
                    seq += txs.size();
                    pending.addAll(txs);
                    stories++;
                    continue;
                }
                if (head == null) {
                    break;
                }
                if (!stopRequested) {
                    long due = paced ? start + micros(head.at()) * 1_000 : Long.MIN_VALUE;
                    if (spec.rowRate() > 0) {
                        due = Math.max(due, nextRowSlot);
                    }
                    if (due > now) {
                        // Short naps so that stop(), the duration and progress are noticed while waiting.
                        LockSupport.parkNanos(Math.min(due - now, TimeUnit.MILLISECONDS.toNanos(50)));
                        if (Thread.interrupted()) {
                            throw new InterruptedException("simulation interrupted");
                        }
                        continue;
                    }
                    if (spec.rowRate() > 0) {
                        nextRowSlot = Math.max(nextRowSlot, now) + (long) (head.rows() * 1e9 / spec.rowRate());
                    }
                }
                writer.submit(pending.poll());
            }
            writer.finish();
            truth.complete(stories, counts.snapshot());
            return new SimulationSummary(spec, stories, counts.snapshot(), truth.expectations(),
                    Duration.ofNanos(System.nanoTime() - start));
        }
    }

    private long micros(Instant at) {
        return Math.max(0L, WorkloadSpec.micros(Duration.between(spec.start(), at)));
    }
}
