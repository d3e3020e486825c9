package io.cdcsentinel.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The ClickHouse sink ({@code bin/sentinel sink}, or inside {@code run}): which table, how it batches,
 * retries and fails. Where ClickHouse is: {@link ClickHouseSettings}; which topic: {@link TopicNames#labels()}.
 *
 * <ul>
 *   <li>{@code sink.batch.size} is also the largest INSERT: every INSERT holds the records of one Kafka
 *       partition, in offset order, and the sink sets {@code max_insert_block_size} above it so ClickHouse
 *       writes it as one block. 1,000,000 is ClickHouse's own default block size, hence the upper bound.</li>
 *   <li>{@code sink.retry.*}: attempts per batch, with exponential backoff from {@code backoff} to
 *       {@code backoff.max}. After the last attempt the sink stops ({@code sink.failure.mode=stop}) or
 *       sends the batch to the dead-letter topic ({@code dlq}); it never drops a record.</li>
 *   <li>{@code sink.layout=legacy} writes a table whose sorting key holds mutable columns and therefore
 *       deletes a conversation's previous row before writing its correction (a mutation per batch that
 *       holds corrections; {@code sink.mutation.timeout} bounds the wait for it).</li>
 * </ul>
 */
public record SinkSettings(String table, Layout layout, boolean createTable, int batchSize, Duration batchLinger,
        int retryAttempts, Duration retryBackoff, Duration retryBackoffMax, FailureMode failureMode, String groupId,
        Duration mutationTimeout, Map<String, String> consumerProperties) {

    /** The physical shape of the table. */
    public enum Layout {
        /** {@code ReplacingMergeTree(version) ORDER BY (customer_id, profile_id, conversation_id)}: a correction replaces. */
        REPLACING,
        /** The old reporting layout: mutable columns in the sorting key, so a correction must delete first. */
        LEGACY
    }

    /** What happens to a batch ClickHouse still refuses after the last retry. */
    public enum FailureMode {
        /** Stop consuming and report; nothing is committed, so a restart resumes with that batch. */
        STOP,
        /** Send the batch's original records to the dead-letter topic, commit, go on. */
        DLQ
    }

    public static final int MAX_BATCH_SIZE = 1_000_000;

    public static final ConfigKey<String> TABLE = ConfigKey.string("sink.table", "ClickHouse table the labels are written to")
            .withDefault("conversation_labels")
            .validate(ClickHouseSettings::isIdentifier, "letters, digits and _, not starting with a digit");
    public static final ConfigKey<Layout> LAYOUT = ConfigKey.enumeration("sink.layout", Layout.class,
            "replacing (sorting key of immutable columns) or legacy (old sorting key with mutable columns: delete before write)")
            .withDefault("replacing");
    public static final ConfigKey<Boolean> CREATE_TABLE = ConfigKey.bool("sink.table.create",
            "create the database and the table in the chosen layout when absent").withDefault("true");
    public static final ConfigKey<Integer> BATCH_SIZE = ConfigKey.integer("sink.batch.size",
            "most records per INSERT (one Kafka partition per INSERT)").withDefault("10000").between(1, MAX_BATCH_SIZE);
    public static final ConfigKey<Duration> BATCH_LINGER = ConfigKey.duration("sink.batch.linger",
            "longest time a record waits for its batch to fill before it is written anyway")
            .withDefault("500ms").validate(d -> d.toMillis() <= 600_000, "a duration of at most 10m");
    public static final ConfigKey<Integer> RETRY_ATTEMPTS = ConfigKey.integer("sink.retry.attempts",
            "attempts per batch (the first one included) for retriable errors").withDefault("10").between(1, 1000);
    public static final ConfigKey<Duration> RETRY_BACKOFF = ConfigKey.duration("sink.retry.backoff",
            "wait before the first retry; doubles with each attempt").withDefault("500ms")
            .validate(d -> d.toMillis() >= 1, "a duration of at least 1ms");
    public static final ConfigKey<Duration> RETRY_BACKOFF_MAX = ConfigKey.duration("sink.retry.backoff.max",
            "longest wait between two attempts").withDefault("30s")
            .validate(d -> d.toMillis() >= 1 && d.toMinutes() <= 60, "a duration between 1ms and 60m");
    public static final ConfigKey<FailureMode> FAILURE_MODE = ConfigKey.enumeration("sink.failure.mode",
            FailureMode.class, "after the last retry: stop (stop consuming, exit non-zero) or dlq (dead-letter the batch, go on)")
            .withDefault("stop");
    public static final ConfigKey<String> GROUP_ID = ConfigKey.string("sink.group.id",
            "Kafka consumer group of the sink; default <streams.application.id>-sink")
            .validate(s -> s.matches("[a-zA-Z0-9._-]{1,200}"), "letters, digits, '.', '_' or '-'");
    public static final ConfigKey<Duration> MUTATION_TIMEOUT = ConfigKey.duration("sink.mutation.timeout",
            "legacy layout: longest wait for the delete mutation of one batch").withDefault("10m")
            .validate(d -> d.toMillis() >= 1_000, "a duration of at least 1s");

    /**
     * Any {@code sink.consumer.*} key goes to the sink's Kafka consumer only, without the prefix, e.g.
     * {@code sink.consumer.group.instance.id=sink-0} (static membership: a restarted sink takes its
     * partitions back at once instead of waiting for its old session to expire) or
     * {@code sink.consumer.session.timeout.ms}. The keys the sink's guarantees rest on (group, offsets
     * commit, isolation level) cannot be overridden. Inside {@code run} the sink is a static member by default
     * ({@link #withStaticMember}); the {@code sink} command only when this key says so.
     */
    public static final String CONSUMER_PREFIX = "sink.consumer.";

    public static final List<ConfigKey<?>> KEYS = List.of(TABLE, LAYOUT, CREATE_TABLE, BATCH_SIZE, BATCH_LINGER,
            RETRY_ATTEMPTS, RETRY_BACKOFF, RETRY_BACKOFF_MAX, FAILURE_MODE, GROUP_ID, MUTATION_TIMEOUT);

    public SinkSettings {
        consumerProperties = Map.copyOf(consumerProperties);
        if (retryBackoffMax.compareTo(retryBackoff) < 0) {
            throw new ConfigException(RETRY_BACKOFF_MAX.name(), "invalid value '" + retryBackoffMax + "' for "
                    + RETRY_BACKOFF_MAX.name() + ": it must not be shorter than " + RETRY_BACKOFF.name() + " ("
                    + retryBackoff + "); raise it or lower " + RETRY_BACKOFF.name());
        }
    }

    public static SinkSettings from(ConfigSource source) {
        String groupId = GROUP_ID.read(source);
        if (groupId == null) {
            groupId = StreamsSettings.APPLICATION_ID.read(source) + "-sink";
        }
        return new SinkSettings(TABLE.read(source), LAYOUT.read(source), CREATE_TABLE.read(source),
                BATCH_SIZE.read(source), BATCH_LINGER.read(source), RETRY_ATTEMPTS.read(source),
                RETRY_BACKOFF.read(source), RETRY_BACKOFF_MAX.read(source), FAILURE_MODE.read(source), groupId,
                MUTATION_TIMEOUT.read(source), source.withPrefix(CONSUMER_PREFIX));
    }

    /**
     * The sink inside {@code run}: a static member named {@code <group id>-<instance>} (the instance's
     * {@link StreamsSettings#instanceId()}) unless {@code sink.consumer.group.instance.id} says otherwise. Without
     * it, a {@code run} restarted after a crash gets its label partitions back only once its predecessor's session
     * has expired (~45 s), although its topologies are back in seconds.
     */
    public SinkSettings withStaticMember(String instance) {
        Map<String, String> consumer = new java.util.HashMap<>(consumerProperties);
        consumer.putIfAbsent("group.instance.id", groupId + "-" + instance);
        return new SinkSettings(table, layout, createTable, batchSize, batchLinger, retryAttempts, retryBackoff,
                retryBackoffMax, failureMode, groupId, mutationTimeout, consumer);
    }

    public static SinkSettings defaults() {
        return from(ConfigSource.of(Map.of()));
    }

    /**
     * The longest time one batch can spend in retries: every backoff wait plus one request timeout per
     * attempt. The consumer's {@code max.poll.interval.ms} is raised above it so that a sink busy retrying
     * is not mistaken for a dead one and fenced out of its group in the middle of a batch.
     */
    public Duration worstCaseBatchTime(Duration requestTimeout) {
        Duration total = Duration.ZERO;
        Duration wait = retryBackoff;
        for (int attempt = 1; attempt <= retryAttempts; attempt++) {
            total = total.plus(requestTimeout);
            if (attempt < retryAttempts) {
                total = total.plus(wait.multipliedBy(6).dividedBy(5)); // the backoff's jitter adds up to 20%
                wait = wait.multipliedBy(2).compareTo(retryBackoffMax) > 0 ? retryBackoffMax : wait.multipliedBy(2);
            }
        }
        return total;
    }
}
