package io.cdcsentinel.local;

import io.cdcsentinel.config.ConfigSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where the local servers listen, in the form the application's configuration takes: each field is a
 * config key ({@link #asConfig()}) and, written to {@code endpoints.env}, the matching {@code SENTINEL_*}
 * variable ({@link ConfigSource#envName(String)}), so {@code set -a; . DIR/endpoints.env; set +a} configures
 * every command. A server that is not part of the stack is {@code null} here and absent from both.
 *
 * <p>The password is not a secret: the local PostgreSQL trusts loopback connections and the role's
 * password is set only so that clients configured with one connect the same way as in production.
 */
public record Endpoints(String postgresUrl, String postgresUser, String postgresPassword, String kafkaBootstrap,
        String registryUrl, String clickhouseUrl) {

    public static final String POSTGRES_URL = "postgres.url";
    public static final String POSTGRES_USER = "postgres.user";
    public static final String POSTGRES_PASSWORD = "postgres.password";
    public static final String KAFKA_BOOTSTRAP = "kafka.bootstrap";
    public static final String REGISTRY_URL = "registry.url";
    public static final String CLICKHOUSE_URL = "clickhouse.url";

    public Optional<String> clickhouse() {
        return Optional.ofNullable(clickhouseUrl);
    }

    /** Config key to value, for {@link ConfigSource#of(Map)} or {@link ConfigSource#with(Map)}. */
    public Map<String, String> asConfig() {
        Map<String, String> config = new LinkedHashMap<>();
        put(config, POSTGRES_URL, postgresUrl);
        put(config, POSTGRES_USER, postgresUrl == null ? null : postgresUser);
        put(config, POSTGRES_PASSWORD, postgresUrl == null ? null : postgresPassword);
        put(config, KAFKA_BOOTSTRAP, kafkaBootstrap);
        put(config, REGISTRY_URL, registryUrl);
        put(config, CLICKHOUSE_URL, clickhouseUrl);
        return config;
    }

    /** Shell-sourceable {@code SENTINEL_KEY=value} lines (values never need quoting: URLs and host:port). */
    public String toEnvFile() {
        StringBuilder env = new StringBuilder();
        env.append("# cdc-sentinel local stack endpoints, written by `sentinel stack up`.\n");
        env.append("# Use: set -a; . ./endpoints.env; set +a\n");
        asConfig().forEach((key, value) -> env.append(ConfigSource.envName(key)).append('=').append(value).append('\n'));
        return env.toString();
    }

    /** The JDBC URL of another database on the same PostgreSQL server. */
    public String postgresUrl(String database) {
        if (postgresUrl == null) {
            throw new IllegalStateException("this stack has no PostgreSQL server");
        }
        return postgresUrl.substring(0, postgresUrl.lastIndexOf('/') + 1) + database;
    }

    /** Servers from {@code other} fill the ones this stack lacks (a private broker over the shared stack). */
    public Endpoints orElse(Endpoints other) {
        boolean ownPostgres = postgresUrl != null;
        return new Endpoints(ownPostgres ? postgresUrl : other.postgresUrl, ownPostgres ? postgresUser : other.postgresUser,
                ownPostgres ? postgresPassword : other.postgresPassword,
                kafkaBootstrap != null ? kafkaBootstrap : other.kafkaBootstrap,
                registryUrl != null ? registryUrl : other.registryUrl,
                clickhouseUrl != null ? clickhouseUrl : other.clickhouseUrl);
    }

    /** Reads an {@code endpoints.env} written by {@link #toEnvFile()}. */
    public static Endpoints read(Path envFile) {
        Map<String, String> values = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(envFile, StandardCharsets.UTF_8)) {
                String l = line.strip();
                int eq = l.indexOf('=');
                if (!l.isEmpty() && !l.startsWith("#") && eq > 0) {
                    values.put(l.substring(0, eq), l.substring(eq + 1));
                }
            }
        } catch (IOException e) {
            throw new StackException("cannot read " + envFile + ": " + e.getMessage(), e);
        }
        return new Endpoints(values.get(ConfigSource.envName(POSTGRES_URL)), values.get(ConfigSource.envName(POSTGRES_USER)),
                values.get(ConfigSource.envName(POSTGRES_PASSWORD)), values.get(ConfigSource.envName(KAFKA_BOOTSTRAP)),
                values.get(ConfigSource.envName(REGISTRY_URL)), values.get(ConfigSource.envName(CLICKHOUSE_URL)));
    }

    private static void put(Map<String, String> config, String key, String value) {
        if (value != null) {
            config.put(key, value);
        }
    }

    @Override
    public String toString() {
        return "Endpoints[postgres=" + postgresUrl + ", kafka=" + kafkaBootstrap + ", registry=" + registryUrl
                + ", clickhouse=" + clickhouseUrl + "]";
    }
}
