package io.cdcsentinel.config;

import java.time.Duration;
import java.util.List;

/** The Debezium capture ({@code bin/sentinel cdc}). See connect-config/ for the Kafka Connect equivalent. */
public record CdcSettings(String name, String slotName, String publicationName, String offsetsTopic,
        Duration heartbeatInterval, Duration pollInterval, String snapshotMode, int maxBatchSize,
        String heartbeatActionQuery, Duration offsetFlushInterval, Duration topicRetention) {

    public static final ConfigKey<String> NAME = ConfigKey.string("cdc.name",
            "connector name; also the key of its offsets in the offsets topic").withDefault("sentinel-cdc");
    public static final ConfigKey<String> SLOT = ConfigKey.string("cdc.slot.name", "logical replication slot (one)")
            .withDefault("sentinel").validate(s -> s.matches("[a-z0-9_]{1,63}"), "lower-case letters, digits and _ (max 63)");
    public static final ConfigKey<String> PUBLICATION = ConfigKey.string("cdc.publication.name",
            "publication limited to the five captured tables (created if absent)")
            .withDefault("sentinel_pub").validate(s -> s.matches("[a-z0-9_]{1,63}"), "lower-case letters, digits and _ (max 63)");
    public static final ConfigKey<String> OFFSETS_TOPIC = ConfigKey.string("cdc.offsets.topic",
            "compacted Kafka topic holding the connector's source offsets (Kafka Connect's KafkaOffsetBackingStore)")
            .withDefault("sentinel-cdc-offsets").validate(TopicNames::isLegalTopicName, "a legal Kafka topic name");
    public static final ConfigKey<Duration> HEARTBEAT = ConfigKey.duration("cdc.heartbeat.interval",
            "Debezium heartbeat.interval.ms: lets the slot advance while the captured tables are idle")
            .withDefault("10s").validate(d -> d.toMillis() >= 100, "a duration of at least 100ms");
    public static final ConfigKey<Duration> POLL = ConfigKey.duration("cdc.poll.interval",
            "Debezium poll.interval.ms: how long the engine waits for new changes before handing a batch over")
            .withDefault("50ms").validate(d -> d.toMillis() >= 1, "a duration of at least 1ms");
    public static final ConfigKey<String> SNAPSHOT_MODE = ConfigKey.string("cdc.snapshot.mode",
            "Debezium snapshot.mode").withDefault("initial")
            .validate(s -> List.of("initial", "always", "no_data", "initial_only", "when_needed", "never").contains(s),
                    "one of initial, always, no_data, initial_only, when_needed, never");
    public static final ConfigKey<Integer> MAX_BATCH = ConfigKey.integer("cdc.max.batch.size", "Debezium max.batch.size")
            .withDefault("2048").atLeast(1);
    public static final ConfigKey<String> HEARTBEAT_QUERY = ConfigKey.string("cdc.heartbeat.action.query",
            "optional Debezium heartbeat.action.query, for a database whose other databases write most of the WAL")
            .validate(s -> true, "an SQL statement");

    public static final ConfigKey<Duration> OFFSET_FLUSH = ConfigKey.duration("cdc.offset.flush.interval",
            "how often source offsets are committed to the offsets topic (and the slot confirmed); a crash re-sends at most this much")
            .withDefault("1s").validate(d -> d.toMillis() >= 10, "a duration of at least 10ms");
    public static final ConfigKey<Duration> TOPIC_RETENTION = ConfigKey.duration("cdc.topic.retention",
            "retention.ms of the CDC topics the runner creates: the replay (backfill) horizon")
            .withDefault("7d").validate(d -> d.toMillis() >= 60_000, "a duration of at least 1m");

    public static final List<ConfigKey<?>> KEYS = List.of(NAME, SLOT, PUBLICATION, OFFSETS_TOPIC, HEARTBEAT, POLL,
            SNAPSHOT_MODE, MAX_BATCH, HEARTBEAT_QUERY, OFFSET_FLUSH, TOPIC_RETENTION);

    public static CdcSettings from(ConfigSource source) {
        return new CdcSettings(NAME.read(source), SLOT.read(source), PUBLICATION.read(source), OFFSETS_TOPIC.read(source),
                HEARTBEAT.read(source), POLL.read(source), SNAPSHOT_MODE.read(source), MAX_BATCH.read(source),
                HEARTBEAT_QUERY.read(source), OFFSET_FLUSH.read(source), TOPIC_RETENTION.read(source));
    }
}
