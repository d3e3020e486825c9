package io.cdcsentinel.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Kafka Streams settings shared by both topologies ({@code bin/sentinel run}). */
public record StreamsSettings(String applicationId, Path stateDir, int threads, Duration commitInterval) {

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

    public static final List<ConfigKey<?>> KEYS = List.of(APPLICATION_ID, STATE_DIR, THREADS, COMMIT_INTERVAL);

    public static StreamsSettings from(ConfigSource source) {
        return new StreamsSettings(APPLICATION_ID.read(source), Path.of(STATE_DIR.read(source)), THREADS.read(source),
                COMMIT_INTERVAL.read(source));
    }
}
