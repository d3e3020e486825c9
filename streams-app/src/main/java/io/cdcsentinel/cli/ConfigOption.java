package io.cdcsentinel.cli;

import io.cdcsentinel.config.ConfigSource;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --config FILE}, shared by every command that reads configuration. */
public final class ConfigOption {
    @Option(names = "--config", paramLabel = "FILE",
            description = "properties file; every key can be overridden by SENTINEL_<KEY> (without it, the environment alone)")
    Path file;

    public ConfigSource load() {
        return ConfigSource.load(file);
    }
}
