package io.cdcsentinel.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The conversation-label topology ({@code bin/sentinel run}, application id {@code <streams.application.id>-labels}).
 * All durations are in event time (source commit time) unless they say otherwise.
 *
 * @param settleWindow how long after the change that ends a conversation (or, after its FINAL, changes its
 *        label) the label is held back so that the rest of a burst (the conversation's last events, a
 *        reassignment in the next transaction) is folded into the same write. 0 writes as soon as the change
 *        is processed.
 * @param stateRetention how long a conversation's state is kept after its last change once it has ended (or
 *        been deleted, or is only known from events). After that its label is final: see
 *        {@code ConversationLabelTopology} for what a later change does.
 * @param eventIndexRetention how long the event id -> conversation id index is kept (from the event's
 *        commit time), for deletes of chat events captured with REPLICA IDENTITY DEFAULT
 * @param punctuationInterval wall clock: how often the live fallback looks for due timers (in stream time they
 *        fire as soon as a record passes them)
 * @param fallbackIdle wall clock: a live task idle this long lets the wall clock advance its timers
 * @param fallbackMaxLag wall clock: a task counts as live when its last record's commit time was at most this
 *        far behind the wall clock
 * @param clockMaxSkew event time: how far the conversation task may wait for the slowest CDC topic partition
 *        (app.chats or app.chat_events) before it applies a change and fires the timers it passes: changes are
 *        applied in commit order up to the low watermark of those partitions ({@code UpstreamWatermark}), never more
 *        than this behind stream time, so a partition silent for longer is presumed idle. Should exceed the
 *        event-time skew between partitions in a replay or a backlog (a smaller value lets a fast one decide a label
 *        before a slower one delivered a change committed before its deadline: one more CORRECTION, and a replay
 *        that differs); larger only delays labels while a CDC partition is quiet and another busy. 0 = plain
 *        stream time
 * @param cdcPartitions the partitions of the CDC topics, as this project creates them ({@code kafka.topic.partitions};
 *        -1 unknown): the label clock waits for all of them from its first start, not only for those it has seen. If
 *        the topics have fewer (created elsewhere), labels wait {@code labels.clock.max.skew} for the missing ones
 * @param maxTimersPerPunctuation bound on the timers fired by one wall-clock punctuation (the rest fire at the next
 *        one); also the batch size in which stream-time timers are read
 */
public record LabelSettings(Duration settleWindow, Duration stateRetention, Duration eventIndexRetention,
        Duration punctuationInterval, Duration fallbackIdle, Duration fallbackMaxLag, Duration clockMaxSkew,
        int cdcPartitions, int maxTimersPerPunctuation) {

    public static final ConfigKey<Duration> SETTLE_WINDOW = ConfigKey.duration("labels.settle.window",
            "event time a label is held back after the change that ends (or, after FINAL, changes) a conversation; 0 = write at once")
            .withDefault("30s");
    public static final ConfigKey<Duration> STATE_RETENTION = ConfigKey.duration("labels.state.retention",
            "event time a conversation's state is kept after its last change once ended; later changes leave its label as it is")
            .withDefault("7d").validate(d -> d.toMillis() >= 60_000, "a duration of at least 1m");
    public static final ConfigKey<Duration> EVENT_INDEX_RETENTION = ConfigKey.duration("labels.event-index.retention",
            "event time an event id -> conversation id mapping is kept, to route event deletes that carry only key columns")
            .withDefault("30d").validate(d -> d.toMillis() >= 60_000, "a duration of at least 1m");
    public static final ConfigKey<Duration> PUNCTUATION_INTERVAL = ConfigKey.duration("labels.punctuation.interval",
            "wall clock: how often the live fallback looks for due label timers")
            .withDefault("1s").validate(d -> d.toMillis() >= 10, "a duration of at least 10ms");
    public static final ConfigKey<Duration> FALLBACK_IDLE = ConfigKey.duration("labels.fallback.idle",
            "wall clock: after a live task has been idle this long, the wall clock advances its timers")
            .withDefault("5s");
    public static final ConfigKey<Duration> FALLBACK_MAX_LAG = ConfigKey.duration("labels.fallback.max-lag",
            "wall clock: a task is live when its last record committed at most this long before it was processed")
            .withDefault("1m").validate(d -> d.toMillis() >= 1_000, "a duration of at least 1s");
    public static final ConfigKey<Duration> CLOCK_MAX_SKEW = ConfigKey.duration("labels.clock.max.skew",
            "how far the label clock may wait for the slowest CDC topic partition; 0 = plain stream time")
            .withDefault("5m");
    public static final ConfigKey<Integer> MAX_TIMERS = ConfigKey.integer("labels.timers.max-per-punctuation",
            "upper bound on label timers fired by one punctuation, so that one punctuation cannot stall the task")
            .withDefault("10000").atLeast(1);

    public static final List<ConfigKey<?>> KEYS = List.of(SETTLE_WINDOW, STATE_RETENTION, EVENT_INDEX_RETENTION,
            PUNCTUATION_INTERVAL, FALLBACK_IDLE, FALLBACK_MAX_LAG, CLOCK_MAX_SKEW, MAX_TIMERS);

    public LabelSettings {
        if (stateRetention.compareTo(settleWindow) <= 0) {
            throw new ConfigException(STATE_RETENTION.name(), "invalid value '" + stateRetention + "' for "
                    + STATE_RETENTION.name() + ": it must be longer than " + SETTLE_WINDOW.name() + " (" + settleWindow
                    + "), or conversations would be forgotten before their label is written");
        }
        if (eventIndexRetention.compareTo(stateRetention) < 0) {
            throw new ConfigException(EVENT_INDEX_RETENTION.name(), "invalid value '" + eventIndexRetention + "' for "
                    + EVENT_INDEX_RETENTION.name() + ": it must be at least " + STATE_RETENTION.name() + " (" + stateRetention
                    + "), or a delete of an event whose conversation is still labelled could not be routed");
        }
    }

    public static LabelSettings from(ConfigSource source) {
        return new LabelSettings(SETTLE_WINDOW.read(source), STATE_RETENTION.read(source), EVENT_INDEX_RETENTION.read(source),
                PUNCTUATION_INTERVAL.read(source), FALLBACK_IDLE.read(source), FALLBACK_MAX_LAG.read(source),
                CLOCK_MAX_SKEW.read(source), KafkaSettings.TOPIC_PARTITIONS.read(source), MAX_TIMERS.read(source));
    }

    public static LabelSettings defaults() {
        return from(ConfigSource.of(Map.of()));
    }

    /** A copy with another settle window (tests, benchmarks). */
    public LabelSettings withSettleWindow(Duration window) {
        return new LabelSettings(window, stateRetention, eventIndexRetention, punctuationInterval, fallbackIdle,
                fallbackMaxLag, clockMaxSkew, cdcPartitions, maxTimersPerPunctuation);
    }

    /** A copy with another maximum upstream skew (tests). */
    public LabelSettings withClockMaxSkew(Duration skew) {
        return new LabelSettings(settleWindow, stateRetention, eventIndexRetention, punctuationInterval, fallbackIdle,
                fallbackMaxLag, skew, cdcPartitions, maxTimersPerPunctuation);
    }

    /** A copy with another state retention (tests, benchmarks). */
    public LabelSettings withStateRetention(Duration retention) {
        return new LabelSettings(settleWindow, retention, eventIndexRetention.compareTo(retention) < 0 ? retention
                : eventIndexRetention, punctuationInterval, fallbackIdle, fallbackMaxLag, clockMaxSkew, cdcPartitions, maxTimersPerPunctuation);
    }
}
