package io.cdcsentinel.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Kafka Streams settings shared by both topologies ({@code bin/sentinel run}). */
public record StreamsSettings(String applicationId, Path stateDir, int threads, Duration commitInterval,
        Duration maxTaskIdle) {

    public static final ConfigKey<String> APPLICATION_ID = ConfigKey.string("streams.application.id",
            "application id prefix; the topologies run as <id>-gaps and <id>-labels")
            .withDefault("cdc-sentinel").validate(TopicNames::isLegalTopicName, "letters, digits, '.', '_' or '-'");
    public static final ConfigKey<String> STATE_DIR = ConfigKey.string("streams.state.dir", "RocksDB state directory")
            .withDefault(System.getProperty("java.io.tmpdir") + "/cdc-sentinel-state");
    public static final ConfigKey<Integer> THREADS = ConfigKey.integer("streams.threads", "stream threads per topology")
            .withDefault("1").between(1, 64);
    public static final ConfigKey<Duration> COMMIT_INTERVAL = ConfigKey.duration("streams.commit.interval",
            "commit.interval.ms; with exactly_once_v2 also the upper bound of output latency")
            .withDefault("100ms").validate(d -> d.toMillis() >= 10, "a duration of at least 10ms");

    /**
     * max.task.idle.ms: how long a task whose input partitions are not all buffered waits before it processes
     * what it has out of timestamp order. The CDC topics of one source transaction (a scorecard and its
     * scores) reach Kafka a few milliseconds apart; without waiting, a task that already has the scorecard
     * processes it, and the rows after it, before the scores of the same commit are even fetched (measured
     * in HistoricGapIT: with 0, gaps opened before their own scores had arrived). 1s is the recommended
     * production value. The default stays Kafka's 0 because TopologyTestDriver, whose clock only moves when a
     * test moves it, would otherwise never process a task that reads several topics.
     */
    public static final ConfigKey<Duration> MAX_TASK_IDLE = ConfigKey.duration("streams.max.task.idle",
            "max.task.idle.ms: wait for every input partition of a task so that records are processed in commit order"
                    + " (1s recommended in production)")
            .withDefault("0ms");

    public static final List<ConfigKey<?>> KEYS = List.of(APPLICATION_ID, STATE_DIR, THREADS, COMMIT_INTERVAL, MAX_TASK_IDLE);

    public static StreamsSettings from(ConfigSource source) {
        return new StreamsSettings(APPLICATION_ID.read(source), Path.of(STATE_DIR.read(source)), THREADS.read(source),
                COMMIT_INTERVAL.read(source), MAX_TASK_IDLE.read(source));
    }
}
