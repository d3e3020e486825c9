package io.cdcsentinel.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every configuration key of the application, by concern, in the order the README documents them.
 * {@code bin/sentinel config} prints it; a test keeps the README's configuration reference complete.
 */
public final class ConfigReference {
    /** Section title -> keys, in README order. */
    public static final Map<String, List<ConfigKey<?>>> SECTIONS = sections();

    /** Free-form pass-through prefixes (not single keys). */
    public static final List<String> PASS_THROUGH_PREFIXES = List.of(KafkaSettings.CLIENT_PREFIX,
            RegistrySettings.SERDE_PREFIX, SinkSettings.CONSUMER_PREFIX);

    private ConfigReference() {
    }

    private static Map<String, List<ConfigKey<?>>> sections() {
        Map<String, List<ConfigKey<?>>> s = new LinkedHashMap<>();
        s.put("PostgreSQL (source)", PostgresSettings.KEYS);
        s.put("Kafka", KafkaSettings.KEYS);
        s.put("Topics", TopicNames.KEYS);
        s.put("CDC (Debezium embedded)", CdcSettings.KEYS);
        s.put("Schema registry and Avro serde", RegistrySettings.KEYS);
        s.put("Kafka Streams", StreamsSettings.KEYS);
        s.put("Historic-gap topology", GapSettings.KEYS);
        s.put("Conversation-label topology", LabelSettings.KEYS);
        s.put("ClickHouse", ClickHouseSettings.KEYS);
        s.put("ClickHouse sink", SinkSettings.KEYS);
        s.put("Operations (metrics, health, logs, failure policy)", OpsSettings.KEYS);
        s.put("run", RunSettings.KEYS);
        return s;
    }

    public static List<ConfigKey<?>> all() {
        return SECTIONS.values().stream().flatMap(List::stream).toList();
    }

    /** The reference as Markdown tables (key, environment variable, default, meaning). */
    public static String markdown() {
        StringBuilder out = new StringBuilder();
        SECTIONS.forEach((section, keys) -> {
            out.append("#### ").append(section).append("\n\n");
            out.append("| key | environment | default | meaning |\n|---|---|---|---|\n");
            for (ConfigKey<?> key : keys) {
                String def = key.defaultValue() != null ? "`" + key.defaultValue() + "`" : key.isRequired() ? "**required**" : "(none)";
                out.append("| `").append(key.name()).append("` | `").append(key.envName()).append("` | ").append(def)
                        .append(" | ").append(key.doc() == null ? "" : key.doc().replace("|", "\\|"))
                        .append(key.isSecret() ? " (secret: also `" + key.name() + ".file`)" : "").append(" |\n");
            }
            out.append('\n');
        });
        return out.toString();
    }
}
