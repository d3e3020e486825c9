package io.cdcsentinel.sim;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What {@code simulate} writes. Everything that shapes the rows is here, so one spec and one seed always
 * give the same rows; only pacing ({@link #rate()}, {@link #rowRate()}) and parallelism
 * ({@link #connections()}, {@link #pipeline()}) change how fast they are written, never what is written.
 *
 * <p>Time: every timestamp column is derived from {@link #start()} (never {@code now()}): story
 * {@code i} of the story stream starts at {@code start + i * interval}, and each story places its writes at
 * offsets from there. With a {@link #rate()} the writes are also <em>executed</em> at those offsets on the wall
 * clock (1 simulated second = 1 real second, {@code interval = 1 / rate}), so delays such as
 * {@link #lateDelay()} are real delays for the pipeline's timers. With rate 0 the writes are executed in the same
 * order, as fast as possible, and the delays only exist in the timestamp columns.
 *
 * @param mix           the story scenarios and their relative weights (interleaved by smooth weighted
 *                      round-robin, so the split is exact); {@link Scenario#BATCH_HOUR} present means batches
 * @param count         stories of the non-batch scenarios; -1 = until {@link #duration()} ends
 * @param duration      wall-clock limit for starting new stories (stories already started always complete); null = none
 * @param rate          stories per second (0 = as fast as possible)
 * @param rowRate       rows per second, an alternative throttle (0 = none)
 * @param interval      simulated time between story starts when {@code rate == 0}
 * @param dropFraction  async-race: fraction of historic writes that never happen (domain: 29-52%)
 * @param raceShare     async-race: part of the dropped ones lost to the submit-before-create-write race
 * @param lateFraction  async-race: fraction of historic writes that happen {@link #lateDelay()} late
 * @param batchLoss     batch-hour: fraction of historic writes lost (domain: 27,344 of 27,580 = 99.1%)
 * @param batchAt       batch-hour: offset of the first batch from {@link #start()}
 * @param connections   JDBC connections writing in parallel (each story stays on one, so its order holds)
 * @param pipeline      transactions sent per round trip on one connection (each keeps its own BEGIN/COMMIT)
 */
public record WorkloadSpec(long seed, Map<Scenario, Integer> mix, long count, Duration duration, double rate,
        double rowRate, int customers, int profiles, Instant start, Duration interval, double dropFraction,
        double raceShare, double lateFraction, Duration lateDelay, Duration conversationLength, Duration reviewDelay,
        Duration submitDelay, Duration reassignDelay, int batchSize, Duration batchWindow, double batchLoss,
        int batches, Duration batchAt, Duration batchEvery, int connections, int pipeline) {

    /** A fixed, arbitrary default start (the day the production missing rate jumped to 88-97%). */
    public static final Instant DEFAULT_START = Instant.parse("2025-01-21T00:00:00Z");

    public WorkloadSpec {
        mix = Collections.unmodifiableMap(new LinkedHashMap<>(mix));
        Objects.requireNonNull(start, "start");
        require(!mix.isEmpty(), "at least one scenario");
        mix.forEach((s, w) -> require(w != null && w >= 1, "scenario weight of " + s.cliName() + " >= 1"));
        require(count >= -1, "count >= 0 (or -1 for unbounded)");
        require(count >= 0 || duration != null, "a count or a duration");
        require(rate >= 0 && rowRate >= 0, "rate and row rate >= 0");
        require(!(rate > 0 && rowRate > 0), "either a story rate or a row rate, not both");
        require(customers >= 1 && profiles >= 1, "at least one customer and one profile");
        require(!interval.isNegative() && !interval.isZero(), "a positive interval");
        require(fraction(dropFraction) && fraction(raceShare) && fraction(lateFraction) && fraction(batchLoss),
                "fractions between 0 and 1");
        require(dropFraction + lateFraction <= 1.0, "drop fraction + late fraction <= 1");
        require(batchSize >= 1 && batches >= 0, "batch size >= 1 and batches >= 0");
        require(!batchWindow.isNegative() && !batchWindow.isZero() && !batchEvery.isNegative() && !batchAt.isNegative(),
                "positive batch window and non-negative batch offsets");
        require(connections >= 1 && pipeline >= 1, "connections >= 1 and pipeline >= 1");
        for (Duration d : new Duration[] {lateDelay, conversationLength, reviewDelay, submitDelay, reassignDelay}) {
            require(!d.isNegative() && !d.isZero(), "positive story delays");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Simulated time between two story starts: {@code 1 / rate} when paced, else {@link #interval()}. */
    public long intervalMicros() {
        return rate > 0 ? Math.max(1L, Math.round(1_000_000d / rate)) : micros(interval);
    }

    public boolean hasBatches() {
        return mix.containsKey(Scenario.BATCH_HOUR) && batches > 0;
    }

    /** The story scenarios (everything but the batch), in their given order. */
    public Map<Scenario, Integer> storyMix() {
        Map<Scenario, Integer> m = new LinkedHashMap<>(mix);
        m.remove(Scenario.BATCH_HOUR);
        return m;
    }

    static long micros(Duration d) {
        return d.getSeconds() * 1_000_000L + d.getNano() / 1_000;
    }

    private static boolean fraction(double f) {
        return f >= 0 && f <= 1;
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new IllegalArgumentException("invalid workload: expected " + what);
        }
    }

    /** Defaults as documented on {@code bin/sentinel simulate --help}. */
    public static final class Builder {
        private long seed = 1;
        private Map<Scenario, Integer> mix = defaultMix();
        private long count = 1000;
        private Duration duration;
        private double rate;
        private double rowRate;
        private int customers = 4;
        private int profiles = 2;
        private Instant start = DEFAULT_START;
        private Duration interval = Duration.ofSeconds(1);
        private double dropFraction = 0.30;
        private double raceShare = 0.30;
        private double lateFraction = 0.05;
        private Duration lateDelay = Duration.ofMinutes(6);
        private Duration conversationLength = Duration.ofSeconds(30);
        private Duration reviewDelay = Duration.ofSeconds(10);
        private Duration submitDelay = Duration.ofSeconds(20);
        private Duration reassignDelay = Duration.ofSeconds(60);
        private int batchSize = 27_580;
        private Duration batchWindow = Duration.ofHours(1);
        private double batchLoss = 0.99;
        private int batches = 1;
        private Duration batchAt = Duration.ZERO;
        private Duration batchEvery = Duration.ofDays(1);
        private int connections = 2;
        private int pipeline = 1;

        private Builder() {
        }

        /** steady:4, async-race:3, appeals-calibration:1, reassign:2 (no batch: it is tens of thousands of rows). */
        public static Map<Scenario, Integer> defaultMix() {
            Map<Scenario, Integer> m = new LinkedHashMap<>();
            m.put(Scenario.STEADY, 4);
            m.put(Scenario.ASYNC_RACE, 3);
            m.put(Scenario.APPEALS_CALIBRATION, 1);
            m.put(Scenario.REASSIGN, 2);
            return m;
        }

        public Builder seed(long v) { seed = v; return this; }
        public Builder mix(Map<Scenario, Integer> v) { mix = v; return this; }
        public Builder scenarios(Scenario... v) {
            Map<Scenario, Integer> m = new LinkedHashMap<>();
            for (Scenario s : v) {
                m.put(s, 1);
            }
            mix = m;
            return this;
        }
        public Builder count(long v) { count = v; return this; }
        public Builder duration(Duration v) { duration = v; return this; }
        public Builder rate(double v) { rate = v; return this; }
        public Builder rowRate(double v) { rowRate = v; return this; }
        public Builder customers(int v) { customers = v; return this; }
        public Builder profiles(int v) { profiles = v; return this; }
        public Builder start(Instant v) { start = v; return this; }
        public Builder interval(Duration v) { interval = v; return this; }
        public Builder dropFraction(double v) { dropFraction = v; return this; }
        public Builder raceShare(double v) { raceShare = v; return this; }
        public Builder lateFraction(double v) { lateFraction = v; return this; }
        public Builder lateDelay(Duration v) { lateDelay = v; return this; }
        public Builder conversationLength(Duration v) { conversationLength = v; return this; }
        public Builder reviewDelay(Duration v) { reviewDelay = v; return this; }
        public Builder submitDelay(Duration v) { submitDelay = v; return this; }
        public Builder reassignDelay(Duration v) { reassignDelay = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder batchWindow(Duration v) { batchWindow = v; return this; }
        public Builder batchLoss(double v) { batchLoss = v; return this; }
        public Builder batches(int v) { batches = v; return this; }
        public Builder batchAt(Duration v) { batchAt = v; return this; }
        public Builder batchEvery(Duration v) { batchEvery = v; return this; }
        public Builder connections(int v) { connections = v; return this; }
        public Builder pipeline(int v) { pipeline = v; return this; }

        public WorkloadSpec build() {
            return new WorkloadSpec(seed, mix, count, duration, rate, rowRate, customers, profiles, start, interval,
                    dropFraction, raceShare, lateFraction, lateDelay, conversationLength, reviewDelay, submitDelay,
                    reassignDelay, batchSize, batchWindow, batchLoss, batches, batchAt, batchEvery, connections, pipeline);
        }
    }
}
