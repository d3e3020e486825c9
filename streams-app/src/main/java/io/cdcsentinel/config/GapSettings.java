package io.cdcsentinel.config;

import java.time.Duration;
import java.util.List;

/**
 * The historic-gap topology ({@code bin/sentinel run}): grace period, state retention, roll-up threshold
 * and the clocks that drive the timers.
 *
 * <ul>
 *   <li>{@code grace}: how long an eligible scorecard may go without a {@code historic.scorecard_scores}
 *       row after its creation, and again after its first submission, before a gap is OPENED.</li>
 *   <li>{@code settledRetention}: how long a settled scorecard (historic present, ineligible, withdrawn)
 *       stays in state after its creation before it is dropped. A change to a scorecard first seen more
 *       than this long after its creation is ignored (never alerted), because the topology cannot know
 *       whether its historic rows were written before it started watching. Also the retention of the
 *       score-id index that lets a key-only delete of {@code director.scores} find its scorecard.</li>
 *   <li>{@code rateThresholdPct} / {@code rateMinVolume}: a roll-up bucket alerts when the submitted or
 *       the unsubmitted class has at least {@code rateMinVolume} eligible scorecards and at least
 *       {@code rateThresholdPct} percent of them missing.</li>
 *   <li>{@code rateEmitInterval}: a changed bucket is emitted at most once per interval (of event time),
 *       so a 60,000-scorecard batch hour yields a handful of roll-up records, not 60,000.</li>
 *   <li>{@code rateRetention}: buckets older than this (from their end) are dropped; later changes to
 *       them are ignored.</li>
 *   <li>{@code punctuationInterval}: how often the timer indexes are scanned (in stream time while records
 *       flow, in wall-clock time when idle), and how often the scorecard tasks send their summed roll-up
 *       changes (each interval of stream time, and at every wall-clock punctuation).</li>
 *   <li>{@code clockIdleAfter} / {@code clockMaxLag}: the wall-clock fallback of the timers (see
 *       {@link io.cdcsentinel.topology.EventTimeClock}): it engages only when the last record was at most
 *       {@code clockMaxLag} behind the wall clock (live, not replaying) and nothing arrived for
 *       {@code clockIdleAfter}.</li>
 *   <li>{@code clockMaxSkew}: the grace timers follow the slowest upstream task (the low watermark of
 *       {@code UpstreamWatermark}), but never more than this behind stream time: an upstream task silent for
 *       longer is presumed idle. Should be about the grace: larger only delays alerts when a source
 *       partition is quiet; smaller lets a burst or a replay raise gaps that resolve moments later.</li>
 *   <li>{@code conversationHistory}: how far back the versioned conversation table can answer "what did
 *       this conversation look like at time t" for the gap events. A gap event decided further back than
 *       this behind the newest chat change (a replay in which the chats ran far ahead of the scorecards)
 *       reports its conversation as unknown (not existing). Cheap to keep long: only the creation and the
 *       end of a chat make versions.</li>
 *   <li>{@code maxTimersPerPunctuation}: upper bound of timers one punctuation handles, so one scan
 *       cannot stall a task past {@code max.poll.interval.ms}; the rest is due at the next one.</li>
 *   <li>{@code scoreIndex}: whether the scores' parse task remembers score id -> scorecard id, so that a
 *       delete (or an update) of {@code director.scores} captured with REPLICA IDENTITY DEFAULT, whose before
 *       image holds only the key columns, still reaches its scorecard. Under REPLICA IDENTITY FULL (this
 *       project's DDL) every before image carries {@code scorecard_id} and the index is never read; it is
 *       still a RocksDB write, a changelog record and a broker append per score row, about a seventh of the
 *       CPU of a replay. Off, a key-only delete cannot be routed and goes to the dead-letter topic; an update
 *       without a before image goes to its new scorecard only (counted).</li>
 * </ul>
 */
public record GapSettings(Duration grace, Duration settledRetention, double rateThresholdPct, long rateMinVolume,
        Duration rateEmitInterval, Duration rateRetention, Duration punctuationInterval, Duration clockIdleAfter,
        Duration clockMaxLag, Duration clockMaxSkew, Duration conversationHistory, int maxTimersPerPunctuation,
        boolean scoreIndex) {

    public static final ConfigKey<Duration> GRACE = ConfigKey.duration("gaps.grace",
            "grace period after creation and after the first submission before a missing historic row is a gap")
            .withDefault("5m").validate(d -> d.toMillis() >= 1, "a positive duration such as 5m");
    public static final ConfigKey<Duration> SETTLED_RETENTION = ConfigKey.duration("gaps.settled.retention",
            "settled scorecards are dropped from state this long after their creation; older first-seen changes are ignored")
            .withDefault("7d").validate(d -> d.toMinutes() >= 1, "a duration of at least 1m such as 7d");
    public static final ConfigKey<Double> RATE_THRESHOLD_PCT = ConfigKey.decimal("gaps.rates.threshold.pct",
            "missing rate (percent) at or above which a roll-up bucket alerts")
            .withDefault("5").validate(p -> p > 0 && p <= 100, "a percentage greater than 0 and at most 100");
    public static final ConfigKey<Long> RATE_MIN_VOLUME = ConfigKey.longValue("gaps.rates.min.volume",
            "eligible scorecards a class of a bucket needs before its missing rate can alert")
            .withDefault("20").validate(n -> n >= 1, "an integer >= 1");
    public static final ConfigKey<Duration> RATE_EMIT_INTERVAL = ConfigKey.duration("gaps.rates.emit.interval",
            "a changed roll-up bucket is emitted at most once per this much event time")
            .withDefault("30s").validate(d -> d.toMillis() >= 1, "a positive duration such as 30s");
    public static final ConfigKey<Duration> RATE_RETENTION = ConfigKey.duration("gaps.rates.retention",
            "roll-up buckets are kept (and updated) this long after their end")
            .withDefault("35d").validate(d -> d.toHours() >= 1, "a duration of at least 1h such as 35d");
    public static final ConfigKey<Duration> PUNCTUATION_INTERVAL = ConfigKey.duration("gaps.punctuation.interval",
            "how often due timers are looked for and the summed roll-up changes sent")
            .withDefault("1s").validate(d -> d.toMillis() >= 10, "a duration of at least 10ms");
    public static final ConfigKey<Duration> CLOCK_IDLE_AFTER = ConfigKey.duration("gaps.clock.idle.after",
            "idle time after which a live task's timers follow the wall clock")
            .withDefault("10s").validate(d -> d.toMillis() >= 1, "a positive duration such as 10s");
    public static final ConfigKey<Duration> CLOCK_MAX_LAG = ConfigKey.duration("gaps.clock.max.lag",
            "a task counts as live when its last record was at most this far behind the wall clock")
            .withDefault("1m").validate(d -> d.toMillis() >= 1, "a positive duration such as 1m");
    public static final ConfigKey<Duration> CLOCK_MAX_SKEW = ConfigKey.duration("gaps.clock.max.skew",
            "how far the scorecard clock may wait for the slowest upstream task; 0 = plain stream time")
            .withDefault("5m");
    public static final ConfigKey<Duration> CONVERSATION_HISTORY = ConfigKey.duration("gaps.conversation.history",
            "history kept by the versioned conversation table for point-in-time lookups")
            .withDefault("30d").validate(d -> d.toMinutes() >= 1, "a duration of at least 1m such as 1d");
    public static final ConfigKey<Integer> MAX_TIMERS_PER_PUNCTUATION = ConfigKey.integer(
            "gaps.timers.max.per.punctuation", "timers handled by one punctuation at most")
            .withDefault("10000").between(1, 10_000_000);
    public static final ConfigKey<Boolean> SCORE_INDEX = ConfigKey.bool("gaps.score-index.enabled",
            "remember score -> scorecard so that key-only deletes (REPLICA IDENTITY DEFAULT) of director.scores still"
                    + " route; false when the table has REPLICA IDENTITY FULL (key-only deletes then go to the dead-letter topic)")
            .withDefault("true");

    public static final List<ConfigKey<?>> KEYS = List.of(GRACE, SETTLED_RETENTION, RATE_THRESHOLD_PCT, RATE_MIN_VOLUME,
            RATE_EMIT_INTERVAL, RATE_RETENTION, PUNCTUATION_INTERVAL, CLOCK_IDLE_AFTER, CLOCK_MAX_LAG, CLOCK_MAX_SKEW,
            CONVERSATION_HISTORY, MAX_TIMERS_PER_PUNCTUATION, SCORE_INDEX);

    public GapSettings {
        if (settledRetention.compareTo(grace) <= 0) {
            throw new ConfigException(SETTLED_RETENTION.name(), SETTLED_RETENTION.name() + " (" + settledRetention
                    + ") must be longer than " + GRACE.name() + " (" + grace + "): a scorecard must outlive its grace period;"
                    + " raise " + SETTLED_RETENTION.name() + " or lower " + GRACE.name());
        }
    }

    public static GapSettings from(ConfigSource source) {
        return new GapSettings(GRACE.read(source), SETTLED_RETENTION.read(source), RATE_THRESHOLD_PCT.read(source),
                RATE_MIN_VOLUME.read(source), RATE_EMIT_INTERVAL.read(source), RATE_RETENTION.read(source),
                PUNCTUATION_INTERVAL.read(source), CLOCK_IDLE_AFTER.read(source), CLOCK_MAX_LAG.read(source),
                CLOCK_MAX_SKEW.read(source), CONVERSATION_HISTORY.read(source), MAX_TIMERS_PER_PUNCTUATION.read(source),
                SCORE_INDEX.read(source));
    }

    public static GapSettings defaults() {
        return from(ConfigSource.of(java.util.Map.of()));
    }

    /**
     * Retention of the score-id index: a score delete carrying only its key must still find its scorecard
     * while the scorecard can be in state, i.e. for its grace period and its settled retention.
     */
    public Duration scoreIndexRetention() {
        return settledRetention.plus(grace);
    }
}
