package io.cdcsentinel.config;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

/** The source PostgreSQL database (the one Debezium captures and the simulator writes to). */
public record PostgresSettings(String jdbcUrl, String host, int port, String database, String user, String password) {

    public static final ConfigKey<String> URL = ConfigKey.string("postgres.url",
            "JDBC URL of the source database, e.g. jdbc:postgresql://127.0.0.1:5432/sentinel")
            .validate(PostgresSettings::isJdbcUrl, "a JDBC URL of the form jdbc:postgresql://HOST:PORT/DATABASE")
            .required();
    public static final ConfigKey<String> USER = ConfigKey.string("postgres.user", "database user (needs REPLICATION for cdc)")
            .withDefault("postgres");
    public static final ConfigKey<String> PASSWORD = ConfigKey.string("postgres.password",
            "database password; or postgres.password.file / SENTINEL_POSTGRES_PASSWORD_FILE")
            .validate(s -> true, "any string").secret();

    public static final List<ConfigKey<?>> KEYS = List.of(URL, USER, PASSWORD);

    public static PostgresSettings from(ConfigSource source) {
        String url = URL.read(source);
        URI uri = URI.create(url.substring("jdbc:".length()));
        String db = uri.getPath().substring(1);
        int port = uri.getPort() < 0 ? 5432 : uri.getPort();
        String password = PASSWORD.read(source);
        return new PostgresSettings(url, uri.getHost(), port, db, USER.read(source), password == null ? "" : password);
    }

    /** A connection as {@link #user}, failing after 10 s when the server does not answer, without a socket timeout. */
    public Connection connect() throws SQLException {
        return connect(Duration.ofSeconds(10), Duration.ZERO);
    }

    /**
     * A connection as {@link #user} with the driver's {@code connectTimeout} and {@code socketTimeout} (whole seconds;
     * a zero socket timeout is none): the one place that turns these settings into a JDBC connection.
     */
    public Connection connect(Duration connectTimeout, Duration socketTimeout) throws SQLException {
        Properties props = new Properties();
        if (user != null) {
            props.setProperty("user", user);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        props.setProperty("connectTimeout", String.valueOf(connectTimeout.toSeconds()));
        if (!socketTimeout.isZero()) {
            props.setProperty("socketTimeout", String.valueOf(socketTimeout.toSeconds()));
        }
        return DriverManager.getConnection(jdbcUrl, props);
    }

    static boolean isJdbcUrl(String s) {
        if (!s.startsWith("jdbc:postgresql://")) {
            return false;
        }
        try {
            URI uri = URI.create(s.substring("jdbc:".length()));
            return uri.getHost() != null && uri.getPath() != null && uri.getPath().length() > 1;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "PostgresSettings[" + jdbcUrl + ", user=" + user + ", password=****]";
    }
}
