package io.cdcsentinel.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * How to reach ClickHouse over HTTP (the official {@code com.clickhouse:client-v2}).
 *
 * <p>{@code clickhouse.socket.timeout} bounds one request: an INSERT of a full batch, or a wait for a
 * query. A request that times out is retried by the sink only after it has re-read what ClickHouse
 * actually holds (see {@code io.cdcsentinel.sink}), so a generous value is safe and a tight one only costs
 * retries.
 */
public record ClickHouseSettings(URI url, String user, String password, String database, Duration connectTimeout,
        Duration socketTimeout) {

    public static final ConfigKey<URI> URL = ConfigKey.httpUrl("clickhouse.url",
            "ClickHouse HTTP endpoint, e.g. http://127.0.0.1:8123").required();
    public static final ConfigKey<String> USER = ConfigKey.string("clickhouse.user", "ClickHouse user")
            .withDefault("default");
    public static final ConfigKey<String> PASSWORD = ConfigKey.string("clickhouse.password",
            "ClickHouse password; or clickhouse.password.file / SENTINEL_CLICKHOUSE_PASSWORD_FILE")
            .validate(s -> true, "any string").secret();
    public static final ConfigKey<String> DATABASE = ConfigKey.string("clickhouse.database",
            "database that holds the sink's table (created if absent)")
            .withDefault("default").validate(ClickHouseSettings::isIdentifier, "letters, digits and _, not starting with a digit");
    public static final ConfigKey<Duration> CONNECT_TIMEOUT = ConfigKey.duration("clickhouse.connect.timeout",
            "TCP connect timeout").withDefault("10s").validate(d -> d.toMillis() >= 100, "a duration of at least 100ms");
    public static final ConfigKey<Duration> SOCKET_TIMEOUT = ConfigKey.duration("clickhouse.socket.timeout",
            "longest wait for one ClickHouse response (an INSERT of one batch, a query)")
            .withDefault("120s").validate(d -> d.toMillis() >= 1_000, "a duration of at least 1s");

    public static final List<ConfigKey<?>> KEYS = List.of(URL, USER, PASSWORD, DATABASE, CONNECT_TIMEOUT, SOCKET_TIMEOUT);

    public static ClickHouseSettings from(ConfigSource source) {
        String password = PASSWORD.read(source);
        return new ClickHouseSettings(URL.read(source), USER.read(source), password == null ? "" : password,
                DATABASE.read(source), CONNECT_TIMEOUT.read(source), SOCKET_TIMEOUT.read(source));
    }

    /** A ClickHouse identifier that needs no quoting; databases and tables named by configuration must be one. */
    public static boolean isIdentifier(String s) {
        return s.matches("[A-Za-z_][A-Za-z0-9_]{0,191}");
    }

    @Override
    public String toString() {
        return "ClickHouseSettings[" + url + ", user=" + user + ", password=****, database=" + database
                + ", connectTimeout=" + connectTimeout + ", socketTimeout=" + socketTimeout + "]";
    }
}
