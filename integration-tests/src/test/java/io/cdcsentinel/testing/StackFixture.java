package io.cdcsentinel.testing;

import io.cdcsentinel.cdc.SourceSchema;
import io.cdcsentinel.config.CdcSettings;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.OpsSettings;
import io.cdcsentinel.config.PostgresSettings;
import io.cdcsentinel.config.RegistrySettings;
import io.cdcsentinel.config.StreamsSettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.local.ClickHouseServer;
import io.cdcsentinel.local.Component;
import io.cdcsentinel.local.Endpoints;
import io.cdcsentinel.local.KafkaBroker;
import io.cdcsentinel.local.LocalServer;
import io.cdcsentinel.local.LocalStack;
import io.cdcsentinel.registry.SchemaRegistration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an integration test class gets from the local stack: endpoints, and isolation helpers so that
 * classes sharing the JVM's servers never see each other's data: a fresh PostgreSQL database, a fresh
 * ClickHouse database, unique topic, slot, publication, application and state names.
 *
 * <p>Obtained as a parameter through {@link StackExtension} (one fixture per test class, closed after the
 * class), or with {@link #forClass(Class)} and closed by the caller. Closing drops the databases and the
 * replication slots the class created (a leftover slot would pin WAL and use one of the server's 40), and
 * stops the class's private stacks.
 *
 * <pre>
 * &#64;ExtendWith(StackExtension.class)
 * class LabelsIT {
 *     &#64;Test
 *     void shouldWriteOneFinalLabel(StackFixture stack) {
 *         ConfigSource config = stack.config(Map.of());
 *         ...
 *     }
 * }
 * </pre>
 */
public final class StackFixture implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StackFixture.class);
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final String owner;
    private final LocalStack own;
    private final List<TestDatabase> databases = new ArrayList<>();
    private final List<String> clickHouseDatabases = new ArrayList<>();
    private final List<Path> stateDirs = new ArrayList<>();
    private final List<StackFixture> privates = new ArrayList<>();
    private final List<Path> stackDirs = new ArrayList<>();

    private StackFixture(String owner, LocalStack own) {
        this.owner = owner;
        this.own = own;
    }

    /** A fixture over the JVM's shared stack for {@code testClass}; the caller closes it. */
    public static StackFixture forClass(Class<?> testClass) {
        TestStack.sweepPreviousRun();
        return new StackFixture(testClass.getSimpleName(), null);
    }

    /**
     * A fixture whose {@code components} are servers of its own, in a directory of its own (the others
     * are the shared ones): for tests that kill or restart a server, e.g. {@code withPrivate(Component.KAFKA)}
     * then {@code kafka().kill()} and {@code kafka().start()}. Closed with this fixture, or earlier by the caller.
     */
    public synchronized StackFixture withPrivate(Component first, Component... more) {
        EnumSet<Component> components = EnumSet.of(first, more);
        String name = uniqueName(owner + "_" + components.stream().map(Component::id).reduce((a, b) -> a + "_" + b).orElse(""));
        LocalStack stack = TestStack.startPrivate(name, LocalStack.Options.defaults().only(first, more));
        StackFixture fixture = new StackFixture(owner, stack);
        privates.add(fixture);
        return fixture;
    }

    /**
     * A new, not yet existing directory under {@code target/it-private} for a test that runs stacks itself
     * (e.g. through {@code stack up}). Its server logs are copied when a test fails; when this fixture
     * closes, whatever runs there is stopped and the directory deleted.
     */
    public synchronized Path newStackDirectory(String name) {
        Path dir = TestStack.targetDir().resolve("it-private").resolve(uniqueName(name));
        stackDirs.add(dir);
        return dir;
    }

    /** The stack this fixture's own servers run in: the shared one unless this is a private fixture. */
    public LocalStack stack() {
        return own != null ? own : TestStack.shared();
    }

    /** Endpoints: this fixture's own servers, the shared stack's for the rest. */
    public Endpoints endpoints() {
        if (own == null) {
            return TestStack.shared().endpoints();
        }
        Set<Component> mine = own.servers().stream().map(LocalServer::component)
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(Component.class)));
        boolean needsShared = !mine.containsAll(EnumSet.of(Component.POSTGRES, Component.KAFKA, Component.REGISTRY))
                || (!mine.contains(Component.CLICKHOUSE) && ClickHouseServer.findBinary().isPresent());
        return needsShared ? own.endpoints().orElse(TestStack.shared().endpoints()) : own.endpoints();
    }

    /**
     * The broker of a private fixture, to kill and restart. The shared broker is not handed out: killing
     * it would break every other test class of the JVM.
     */
    public KafkaBroker kafka() {
        if (own == null || own.servers().stream().noneMatch(s -> s.component() == Component.KAFKA)) {
            throw new IllegalStateException("the shared Kafka broker must not be killed or restarted;"
                    + " use withPrivate(Component.KAFKA) for a broker of your own");
        }
        return own.kafka();
    }

    /**
     * A name no other test of this JVM gets: lower-case letters, digits and '_' (valid as a database, slot,
     * publication, topic or application id), at most 63 characters, starting with {@code prefix}.
     */
    public String uniqueName(String prefix) {
        String clean = prefix.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        String suffix = "_" + SEQUENCE.incrementAndGet() + "_" + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36), 36);
        if (!clean.isEmpty() && !Character.isLetter(clean.charAt(0))) {
            clean = "t" + clean;
        }
        if (clean.isEmpty()) {
            clean = "t";
        }
        return clean.substring(0, Math.min(clean.length(), 63 - suffix.length())) + suffix;
    }

    /** A new PostgreSQL database with the project's source schema applied; dropped when this fixture closes. */
    public synchronized TestDatabase createDatabase() {
        Endpoints endpoints = endpoints();
        String name = uniqueName(owner);
        try (Connection admin = adminConnection(endpoints); Statement statement = admin.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name + ": " + e.getMessage(), e);
        }
        TestDatabase database = new TestDatabase(name, endpoints.postgresUrl(name), endpoints.postgresUser(),
                endpoints.postgresPassword());
        databases.add(database);
        try (Connection connection = database.connect()) {
            SourceSchema.apply(connection);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot apply the source schema to " + name + ": " + e.getMessage(), e);
        }
        return database;
    }

    /**
     * A new ClickHouse database (its name); dropped when this fixture closes. Fails, and so fails the
     * test, when ClickHouse is not installed: a test that needs it must not pass by skipping.
     */
    public synchronized String createClickHouseDatabase() {
        String url = endpoints().clickhouse().orElseThrow(() -> new IllegalStateException(
                "this test needs ClickHouse, which the local stack could not start. " + ClickHouseServer.notInstalledMessage()));
        String name = uniqueName(owner);
        ClickHouseServer.execute(url, "CREATE DATABASE " + name);
        clickHouseDatabases.add(name);
        return name;
    }

    /** {@link #config(Map)} without overrides. */
    public ConfigSource config() {
        return config(Map.of());
    }

    /**
     * A configuration for one isolated pipeline: the stack's endpoints, a fresh database, and unique
     * {@code topic.prefix}, output and dead-letter topic names, {@code streams.application.id},
     * {@code cdc.slot.name}, {@code cdc.publication.name}, {@code cdc.offsets.topic} and
     * {@code streams.state.dir}. {@code overrides} win over all of them. Call it once per pipeline and
     * reuse the result to restart the same pipeline.
     *
     * <p>The schemas of its output topics are registered as a deployment registers them, with the code of
     * {@code bin/sentinel schemas register} (BACKWARD rule included), and {@code registry.auto.register} stays at its
     * default, false: the pipelines of the tests only look their schemas up, as in production.
     */
    public synchronized ConfigSource config(Map<String, String> overrides) {
        ConfigSource config = configWithoutSchemas(overrides);
        SchemaRegistration.registerAllOrFail(RegistrySettings.from(config), TopicNames.from(config));
        return config;
    }

    /** {@link #config(Map)} without registering the schemas: for tests of the registration itself. */
    public synchronized ConfigSource configWithoutSchemas(Map<String, String> overrides) {
        TestDatabase database = createDatabase();
        String id = uniqueName(owner);
        Path stateDir = TestStack.targetDir().resolve("it-state").resolve(id);
        stateDirs.add(stateDir);
        Map<String, String> values = new HashMap<>(endpoints().asConfig());
        values.put(PostgresSettings.URL.name(), database.jdbcUrl());
        values.put(TopicNames.PREFIX.name(), id);
        values.put(TopicNames.GAPS.name(), id + "-scorecard-historic-gaps");
        values.put(TopicNames.GAP_RATES.name(), id + "-scorecard-historic-gap-rates");
        values.put(TopicNames.LABELS.name(), id + "-conversation-labels");
        values.put(TopicNames.DLQ.name(), id + "-sentinel-dlq");
        values.put(StreamsSettings.APPLICATION_ID.name(), id);
        values.put(StreamsSettings.STATE_DIR.name(), stateDir.toString());
        values.put(CdcSettings.NAME.name(), id);
        values.put(CdcSettings.SLOT.name(), id);
        values.put(CdcSettings.PUBLICATION.name(), id + "_pub");
        values.put(CdcSettings.OFFSETS_TOPIC.name(), id + "-cdc-offsets");
        // Any free port: test processes run side by side, each with its own /metrics.
        values.put(OpsSettings.HTTP_PORT.name(), "0");
        values.putAll(overrides);
        return ConfigSource.of(values);
    }

    /** Copies the logs of every server this fixture uses into {@code into}. */
    synchronized void copyLogs(Path into) {
        if (own != null) {
            TestStack.copyLogs(own.dir(), into);
        }
        for (StackFixture fixture : privates) {
            fixture.copyLogs(into);
        }
        for (Path dir : stackDirs) {
            TestStack.copyLogs(dir, into);
        }
        // Also when the shared stack failed to start: its logs say why.
        TestStack.copyLogs(TestStack.sharedDir(), into);
    }

    /** Drops what this fixture created and stops its private stacks; failures are logged, not thrown. */
    @Override
    public synchronized void close() {
        for (StackFixture fixture : privates) {
            fixture.close();
        }
        privates.clear();
        if (!databases.isEmpty()) {
            try (Connection admin = adminConnection(endpoints())) {
                for (TestDatabase database : databases) {
                    dropDatabase(admin, database.name());
                }
            } catch (SQLException | RuntimeException e) {
                LOG.warn("cannot drop the test databases {}: {}", databases, e.toString());
            }
            databases.clear();
        }
        for (String name : clickHouseDatabases) {
            try {
                ClickHouseServer.execute(endpoints().clickhouse().orElseThrow(), "DROP DATABASE IF EXISTS " + name);
            } catch (RuntimeException e) {
                LOG.warn("cannot drop ClickHouse database {}: {}", name, e.toString());
            }
        }
        clickHouseDatabases.clear();
        for (Path dir : stateDirs) {
            deleteQuietly(dir);
        }
        stateDirs.clear();
        for (Path dir : stackDirs) {
            try {
                LocalStack.downAndPurge(dir);
            } catch (RuntimeException e) {
                LOG.warn("cannot stop the stack in {}: {}", dir, e.toString());
            }
        }
        stackDirs.clear();
        if (own != null) {
            own.down();
            deleteQuietly(own.dir());
        }
    }

    private static Connection adminConnection(Endpoints endpoints) throws SQLException {
        return DriverManager.getConnection(endpoints.postgresUrl("postgres"), endpoints.postgresUser(), endpoints.postgresPassword());
    }

    /** Slots first: PostgreSQL refuses to drop a database that has logical replication slots. */
    private static void dropDatabase(Connection admin, String name) throws SQLException {
        // Retried: right after its walsender is terminated a slot is still "active" for a moment.
        Awaitility.await("dropping the replication slots of database " + name)
                .atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> dropSlots(admin, name));
        try (Statement statement = admin.createStatement()) {
            statement.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }

    private static boolean dropSlots(Connection admin, String database) throws SQLException {
        try (PreparedStatement terminate = admin.prepareStatement(
                "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE database = ? AND active_pid IS NOT NULL");
                PreparedStatement drop = admin.prepareStatement(
                        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = ?")) {
            terminate.setString(1, database);
            terminate.execute();
            drop.setString(1, database);
            drop.execute();
            return true;
        }
    }

    private static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot delete {}: {}", dir, e.toString());
        }
    }
}
