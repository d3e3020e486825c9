package io.cdcsentinel.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** {@code bin/sentinel run}: which parts run in the process and how it reports health. */
public record RunSettings(boolean sinkEnabled, Path healthFile, Duration statusInterval) {

    public static final ConfigKey<Boolean> SINK_ENABLED = ConfigKey.bool("run.sink.enabled",
            "run the ClickHouse sink inside `run` (false: run it separately with `bin/sentinel sink`)").withDefault("true");
    public static final ConfigKey<String> HEALTH_FILE = ConfigKey.string("run.health.file",
            "optional file that exists while every part of `run` is running (for container health checks)");
    public static final ConfigKey<Duration> STATUS_INTERVAL = ConfigKey.duration("run.status.interval",
            "how often `run` logs a status line (0 = never)").withDefault("30s");

    public static final List<ConfigKey<?>> KEYS = List.of(SINK_ENABLED, HEALTH_FILE, STATUS_INTERVAL);

    public static RunSettings from(ConfigSource source) {
        String health = HEALTH_FILE.read(source);
        return new RunSettings(SINK_ENABLED.read(source), health == null ? null : Path.of(health), STATUS_INTERVAL.read(source));
    }
}
