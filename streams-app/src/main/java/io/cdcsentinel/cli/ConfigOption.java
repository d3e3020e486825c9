package io.cdcsentinel.cli;

import io.cdcsentinel.config.ConfigSource;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --config FILE}, shared by every command that reads configuration. */
public final class ConfigOption {
    @Option(names = "--config", paramLabel = "FILE",
            description = "properties file; every key can be overridden by SENTINEL_<KEY> (without it, the environment alone)")
    Path file;

    /** Reads the configuration and applies {@code log.format} (a bad value stops here with the key named). */
    public ConfigSource load() {
        ConfigSource source = ConfigSource.load(file);
        Logging.apply(source);
        return source;
    }
}
