package io.cdcsentinel.cli;

import io.cdcsentinel.config.CdcSettings;
import io.cdcsentinel.config.ClickHouseSettings;
import io.cdcsentinel.config.ConfigException;
import io.cdcsentinel.config.ConfigKey;
import io.cdcsentinel.config.ConfigReference;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.GapSettings;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.LabelSettings;
import io.cdcsentinel.config.PostgresSettings;
import io.cdcsentinel.config.RegistrySettings;
import io.cdcsentinel.config.RunSettings;
import io.cdcsentinel.config.SinkSettings;
import io.cdcsentinel.config.StreamsSettings;
import io.cdcsentinel.config.TopicNames;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bin/sentinel config}: the configuration reference, or a check of the current configuration. */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Print every configuration key (environment variable, default, meaning), or with --check"
                + " validate the current configuration concern by concern (secrets are never shown).")
public final class ConfigCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(names = "--markdown", description = "print the reference as Markdown tables")
    boolean markdown;

    @Option(names = "--check", description = "validate the configuration from --config and SENTINEL_* variables")
    boolean check;

    @Override
    public Integer call() {
        if (check) {
            return check(config.load());
        }
        if (markdown) {
            Console.println(ConfigReference.markdown());
            return 0;
        }
        ConfigReference.SECTIONS.forEach((section, keys) -> {
            Console.println(section + ":");
            for (ConfigKey<?> key : keys) {
                String def = key.defaultValue() != null ? key.defaultValue() : key.isRequired() ? "(required)" : "(none)";
                Console.println(String.format("  %-34s %-42s %s", key.name(), key.envName(), def));
            }
        });
        Console.println("Pass-through prefixes: " + String.join(", ", ConfigReference.PASS_THROUGH_PREFIXES));
        return 0;
    }

    private static int check(ConfigSource source) {
        Map<String, Consumer<ConfigSource>> concerns = new LinkedHashMap<>();
        concerns.put("postgres (cdc, simulate)", PostgresSettings::from);
        concerns.put("kafka (all)", KafkaSettings::from);
        concerns.put("topics (all)", TopicNames::from);
        concerns.put("cdc", CdcSettings::from);
        concerns.put("registry (run, sink)", RegistrySettings::from);
        concerns.put("streams (run)", StreamsSettings::from);
        concerns.put("gaps (run)", GapSettings::from);
        concerns.put("labels (run)", LabelSettings::from);
        concerns.put("clickhouse (run with sink, sink)", ClickHouseSettings::from);
        concerns.put("sink (run with sink, sink)", SinkSettings::from);
        concerns.put("run", RunSettings::from);
        int errors = 0;
        Console.println("configuration from " + source.origin() + ":");
        for (var concern : concerns.entrySet()) {
            try {
                concern.getValue().accept(source);
                Console.println("  ok     " + concern.getKey());
            } catch (ConfigException e) {
                errors++;
                Console.println("  ERROR  " + concern.getKey() + ": " + e.getMessage());
            }
        }
        return errors == 0 ? 0 : 2;
    }
}
