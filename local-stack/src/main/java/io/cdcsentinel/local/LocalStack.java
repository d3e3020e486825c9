package io.cdcsentinel.local;

import io.cdcsentinel.config.ConfigSource;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real servers the demo, the tests and {@code bin/sentinel stack} run locally: PostgreSQL with logical
 * decoding, a Kafka broker in KRaft mode, Apicurio Registry, and ClickHouse when its binary is installed.
 * Each is a background OS process on free loopback ports, with its data, configuration and logs under one
 * stack directory:
 *
 * <pre>
 * DIR/stack.properties   ports (and the Kafka cluster id), kept across restarts
 * DIR/endpoints.env      SENTINEL_* variables for the servers of the last up
 * DIR/postgres/          data/ (postmaster.pid), run/ (socket), binaries/, postgres.log
 * DIR/kafka/             server.properties, log4j2.xml, data/, broker.log, kafka.out, kafka.pid
 * DIR/registry/          data/ (H2 file with the schemas), registry.out, registry.pid
 * DIR/clickhouse/        config.xml, users.xml, data/, logs/, clickhouse.out, clickhouse.pid
 * </pre>
 *
 * <p>Servers outlive the JVM that started them: {@link #up} returns a handle, but {@link #status} and
 * {@link #down} work from the directory alone (pid files, {@code postmaster.pid}, and the command lines of
 * running processes), so they also clean up after a JVM killed in the middle of {@code up}. Operations on
 * one directory are serialised by a file lock ({@code DIR/.lock}).
 */
public final class LocalStack implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalStack.class);
    public static final String ENDPOINTS_FILE = "endpoints.env";
    private static final Map<Path, ReentrantLock> IN_JVM_LOCKS = new ConcurrentHashMap<>();

    /**
     * Which servers to run and how.
     *
     * @param components         the servers to start (ClickHouse is skipped with a notice when not installed)
     * @param clickHouseRequired fail instead of skipping ClickHouse when its binary is missing
     * @param kafkaJvmOptions    heap and GC options of the broker JVM
     * @param registryJvmOptions heap and GC options of the registry JVM
     */
    public record Options(Set<Component> components, boolean clickHouseRequired, List<String> kafkaJvmOptions,
            List<String> registryJvmOptions) {

        public Options {
            components = Collections.unmodifiableSet(components.isEmpty() ? EnumSet.noneOf(Component.class)
                    : EnumSet.copyOf(components));
            kafkaJvmOptions = List.copyOf(kafkaJvmOptions);
            registryJvmOptions = List.copyOf(registryJvmOptions);
        }

        /** All four servers, ClickHouse only if installed; a broker heap of 512 MB, a registry heap of 256 MB. */
        public static Options defaults() {
            return new Options(EnumSet.allOf(Component.class), false,
                    List.of("-Xms128m", "-Xmx512m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
                            "-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent"),
                    // The registry is looked up once per schema: start fast and stay small rather than run fast.
                    List.of("-Xms32m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        }

        public Options only(Component first, Component... more) {
            return new Options(EnumSet.of(first, more), clickHouseRequired, kafkaJvmOptions, registryJvmOptions);
        }

        public Options withoutClickHouse() {
            EnumSet<Component> without = EnumSet.copyOf(components);
            without.remove(Component.CLICKHOUSE);
            return new Options(without, false, kafkaJvmOptions, registryJvmOptions);
        }

        /** ClickHouse becomes mandatory: {@link #up} fails with the install command when it is missing. */
        public Options requireClickHouse() {
            EnumSet<Component> with = EnumSet.copyOf(components);
            with.add(Component.CLICKHOUSE);
            return new Options(with, true, kafkaJvmOptions, registryJvmOptions);
        }

        public Options kafkaJvmOptions(List<String> options) {
            return new Options(components, clickHouseRequired, options, registryJvmOptions);
        }
    }

    /** How one server came up: started now (and how long it took to be ready) or found running. */
    public record ServerStart(Component component, boolean alreadyRunning, Duration took, long pid, Map<String, Integer> ports) {
    }

    private final Path dir;
    private final Map<Component, LocalServer> servers;
    private final List<ServerStart> starts;
    private final List<String> notices;
    private final Duration took;
    private final Endpoints endpoints;

    private LocalStack(Path dir, Map<Component, LocalServer> servers, List<ServerStart> starts, List<String> notices,
            Duration took) {
        this.dir = dir;
        this.servers = servers;
        this.starts = List.copyOf(starts);
        this.notices = List.copyOf(notices);
        this.took = took;
        this.endpoints = endpointsOf(servers);
    }

    /**
     * Starts the servers of {@code options} that are not already running in {@code dir}, waits until each
     * serves requests, and writes {@code DIR/endpoints.env}. Idempotent: servers already running are kept.
     */
    public static LocalStack up(Path dir, Options options) {
        Path stackDir = prepareDir(dir);
        return locked(stackDir, () -> doUp(stackDir, options));
    }

    /** Each server of the stack in {@code dir}: running or not, pid, ports. */
    public static List<ServerStatus> status(Path dir) {
        Path stackDir = normalise(dir);
        if (!Files.isDirectory(stackDir)) {
            return List.of();
        }
        StackState state = StackState.load(stackDir);
        List<ServerStatus> result = new ArrayList<>();
        for (LocalServer server : allServers(stackDir, state, Options.defaults()).values()) {
            result.add(statusOf(server));
        }
        return result;
    }

    /**
     * Stops every server of the stack in {@code dir}, whether this JVM, another, or a JVM that died half-way
     * through {@code up} started it; waits until their ports are free; keeps the data. Returns the servers
     * that were running.
     */
    public static List<ServerStatus> down(Path dir) {
        Path stackDir = normalise(dir);
        if (!Files.isDirectory(stackDir)) {
            return List.of();
        }
        return locked(stackDir, () -> doDown(stackDir, Map.of()));
    }

    /** {@link #down} then deletes the stack directory: the next {@code up} starts from empty servers. */
    public static List<ServerStatus> downAndPurge(Path dir) {
        List<ServerStatus> stopped = down(dir);
        SpawnedServer.deleteTree(normalise(dir));
        return stopped;
    }

    public Path dir() {
        return dir;
    }

    public Endpoints endpoints() {
        return endpoints;
    }

    public PostgresServer postgres() {
        return server(Component.POSTGRES, PostgresServer.class);
    }

    /** The broker handle: tests kill and restart it through this. */
    public KafkaBroker kafka() {
        return server(Component.KAFKA, KafkaBroker.class);
    }

    public SchemaRegistryServer registry() {
        return server(Component.REGISTRY, SchemaRegistryServer.class);
    }

    public Optional<ClickHouseServer> clickhouse() {
        return Optional.ofNullable((ClickHouseServer) servers.get(Component.CLICKHOUSE));
    }

    /** The servers of this handle, in {@link Component} order. */
    public List<LocalServer> servers() {
        return List.copyOf(servers.values());
    }

    /** How each server came up in the {@code up} that returned this handle. */
    public List<ServerStart> starts() {
        return starts;
    }

    /** Wall-clock time of the {@code up} that returned this handle. */
    public Duration took() {
        return took;
    }

    /** Things the user should know, e.g. that ClickHouse is not installed and how to install it. */
    public List<String> notices() {
        return notices;
    }

    /**
     * Stops every server of this stack's directory ({@link #down(Path)}), through this handle's own server
     * objects where it has them (PostgreSQL then also releases zonky's lock on its data directory, so the
     * same JVM can start it again).
     */
    public void down() {
        if (Files.isDirectory(dir)) {
            locked(dir, () -> doDown(dir, servers));
        }
    }

    @Override
    public void close() {
        down();
    }

    private <T extends LocalServer> T server(Component component, Class<T> type) {
        LocalServer server = servers.get(component);
        if (server == null) {
            throw new IllegalStateException(component.id() + " is not part of the stack in " + dir);
        }
        return type.cast(server);
    }

    // ---------------------------------------------------------------------------------------------------

    private static LocalStack doUp(Path dir, Options options) {
        long begin = System.nanoTime();
        List<String> notices = new ArrayList<>();
        Set<Component> wanted = EnumSet.copyOf(options.components());
        if (wanted.contains(Component.CLICKHOUSE) && ClickHouseServer.findBinary().isEmpty()) {
            if (options.clickHouseRequired()) {
                throw new StackException(ClickHouseServer.notInstalledMessage());
            }
            notices.add(ClickHouseServer.notInstalledMessage() + ". The stack runs without it: "
                    + ConfigSource.envName(Endpoints.CLICKHOUSE_URL) + " is absent from " + ENDPOINTS_FILE + ".");
            wanted.remove(Component.CLICKHOUSE);
        }

        boolean fresh = !Files.exists(dir.resolve(StackState.FILE));
        StackState state = StackState.load(dir);
        if (fresh) {
            List<ServerStatus> orphans = running(allServers(dir, state, options));
            if (!orphans.isEmpty()) {
                throw new StackException("servers of an earlier `stack up` in " + dir + " are still running ("
                        + orphans.stream().map(s -> s.component().id() + " pid " + s.pid().getAsLong()).toList()
                        + ") but " + dir.resolve(StackState.FILE) + " is gone; run `stack down --dir " + dir + "` first");
            }
        }
        assignPorts(dir, state, wanted);
        state.save(); // before anything starts: a crashed up still tells down which ports to free

        Map<Component, LocalServer> servers = new EnumMap<>(Component.class);
        allServers(dir, state, options).forEach((component, server) -> {
            if (wanted.contains(component)) {
                servers.put(component, server);
            }
        });

        Map<Component, Future<ServerStart>> pending = new EnumMap<>(Component.class);
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, servers.size()), daemonThreads());
        try {
            servers.forEach((component, server) -> pending.put(component, pool.submit(() -> ensureRunning(server))));
            List<ServerStart> starts = new ArrayList<>();
            List<String> failures = new ArrayList<>();
            for (Map.Entry<Component, Future<ServerStart>> entry : pending.entrySet()) {
                try {
                    starts.add(entry.getValue().get());
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    failures.add(entry.getKey().id() + ": " + cause.getMessage());
                    LOG.debug("{} failed to start", entry.getKey().id(), cause);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failures.add(entry.getKey().id() + ": interrupted");
                }
            }
            if (!failures.isEmpty()) {
                // Leave nothing half-started behind: stop what this call started.
                for (ServerStart start : starts) {
                    if (!start.alreadyRunning()) {
                        servers.get(start.component()).stop();
                    }
                }
                throw new StackException("the local stack in " + dir + " did not start:\n  " + String.join("\n  ", failures));
            }
            LocalStack stack = new LocalStack(dir, servers, starts, notices, Duration.ofNanos(System.nanoTime() - begin));
            writeAtomically(dir.resolve(ENDPOINTS_FILE), stack.endpoints().toEnvFile());
            return stack;
        } finally {
            pool.shutdownNow();
        }
    }

    private static ServerStart ensureRunning(LocalServer server) {
        OptionalLong running = server.pid();
        long begin = System.nanoTime();
        // A server still recovering (e.g. a broker replaying its log after kill -9) gets time to answer.
        boolean already = running.isPresent() && becomesReady(server, Duration.ofSeconds(60));
        if (!already) {
            if (running.isPresent()) {
                // Alive but not answering for a minute: a wedged leftover. Replace it.
                LOG.warn("{} (pid {}) is running but not answering; restarting it", server.component().id(), running.getAsLong());
                server.stop();
            }
            try {
                start(server);
            } catch (RuntimeException e) {
                server.stop(); // whatever the failed start left running
                throw e;
            }
        }
        return new ServerStart(server.component(), already, Duration.ofNanos(System.nanoTime() - begin),
                server.pid().orElse(-1), server.ports());
    }

    private static boolean becomesReady(LocalServer server, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ready(server)) {
            if (!server.isRunning() || System.nanoTime() - deadline > 0) {
                return false;
            }
            OsProcesses.pause(200);
        }
        return true;
    }

    private static boolean ready(LocalServer server) {
        if (server instanceof PostgresServer postgres) {
            return postgres.isReady();
        }
        return ((SpawnedServer) server).isReady();
    }

    private static void start(LocalServer server) {
        if (server instanceof PostgresServer postgres) {
            postgres.start();
        } else {
            ((SpawnedServer) server).start();
        }
    }

    private static List<ServerStatus> doDown(Path dir, Map<Component, LocalServer> handles) {
        StackState state = StackState.load(dir);
        Map<Component, LocalServer> servers = allServers(dir, state, Options.defaults());
        servers.putAll(handles);
        List<ServerStatus> wasRunning = running(servers);
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, servers.size()), daemonThreads());
        try {
            List<Future<?>> stops = new ArrayList<>();
            for (LocalServer server : servers.values()) {
                stops.add(pool.submit(server::stop));
            }
            List<String> failures = new ArrayList<>();
            for (Future<?> stop : stops) {
                try {
                    stop.get();
                } catch (ExecutionException e) {
                    failures.add(e.getCause().getMessage());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new StackException("interrupted while stopping the local stack", e);
                }
            }
            if (!failures.isEmpty()) {
                throw new StackException("stopping the local stack in " + dir + " failed:\n  " + String.join("\n  ", failures));
            }
        } finally {
            pool.shutdownNow();
        }
        awaitPortsFree(servers.values());
        SpawnedServer.deleteQuietly(dir.resolve(ENDPOINTS_FILE));
        return wasRunning;
    }

    /** A port stays taken for a moment after its process is gone (the kernel closes sockets last). */
    private static void awaitPortsFree(Iterable<LocalServer> servers) {
        List<Integer> ports = new ArrayList<>();
        for (LocalServer server : servers) {
            server.ports().values().stream().filter(p -> p > 0).forEach(ports::add);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        List<Integer> taken = ports;
        while (!(taken = taken.stream().filter(p -> !Ports.isFree(p)).toList()).isEmpty()) {
            if (System.nanoTime() - deadline > 0) {
                throw new StackException("every server of the stack is stopped, but ports " + taken
                        + " are still in use by other processes");
            }
            OsProcesses.pause(100);
        }
    }

    private static List<ServerStatus> running(Map<Component, LocalServer> servers) {
        List<ServerStatus> running = new ArrayList<>();
        for (LocalServer server : servers.values()) {
            OptionalLong pid = server.pid();
            if (pid.isPresent()) {
                running.add(new ServerStatus(server.component(), true, pid, server.ports(), ""));
            }
        }
        return running;
    }

    private static ServerStatus statusOf(LocalServer server) {
        OptionalLong pid = server.pid();
        Map<String, Integer> ports = new LinkedHashMap<>(server.ports());
        ports.values().removeIf(p -> p == 0);
        String note = "";
        if (pid.isEmpty() && server.component() == Component.CLICKHOUSE && ClickHouseServer.findBinary().isEmpty()) {
            note = "not installed (" + ClickHouseServer.INSTALL_HINT + ")";
        } else if (pid.isEmpty() && ports.isEmpty()) {
            note = "never started here";
        }
        return new ServerStatus(server.component(), pid.isPresent(), pid, ports, note);
    }

    /** Every kind of server of {@code dir}, built from the ports in {@code state} (0 where none was assigned). */
    private static Map<Component, LocalServer> allServers(Path dir, StackState state, Options options) {
        Map<Component, LocalServer> servers = new EnumMap<>(Component.class);
        servers.put(Component.POSTGRES, new PostgresServer(dir, state.port(PostgresServer.PORT)));
        servers.put(Component.KAFKA, new KafkaBroker(dir, state.port(KafkaBroker.PORT), state.port(KafkaBroker.CONTROLLER_PORT),
                state.get(KafkaBroker.CLUSTER_ID), options.kafkaJvmOptions()));
        servers.put(Component.REGISTRY, new SchemaRegistryServer(dir, state.port(SchemaRegistryServer.PORT),
                options.registryJvmOptions()));
        servers.put(Component.CLICKHOUSE, new ClickHouseServer(dir,
                ClickHouseServer.findBinary().orElse(Path.of("clickhouse-server")), state.port(ClickHouseServer.HTTP_PORT),
                state.port(ClickHouseServer.TCP_PORT), state.port(ClickHouseServer.INTERSERVER_PORT)));
        return servers;
    }

    /**
     * Keeps every port already assigned unless the server is down and another process took the port; gives
     * new ports where none was assigned.
     */
    private static void assignPorts(Path dir, StackState state, Set<Component> wanted) {
        Map<Component, List<String>> keys = new EnumMap<>(Component.class);
        keys.put(Component.POSTGRES, List.of(PostgresServer.PORT));
        keys.put(Component.KAFKA, List.of(KafkaBroker.PORT, KafkaBroker.CONTROLLER_PORT));
        keys.put(Component.REGISTRY, List.of(SchemaRegistryServer.PORT));
        keys.put(Component.CLICKHOUSE, List.of(ClickHouseServer.HTTP_PORT, ClickHouseServer.TCP_PORT,
                ClickHouseServer.INTERSERVER_PORT));
        Map<Component, LocalServer> current = allServers(dir, state, Options.defaults());
        List<String> toAssign = new ArrayList<>();
        for (Component component : wanted) {
            boolean running = current.get(component).pid().isPresent();
            for (String key : keys.get(component)) {
                int port = state.port(key);
                if (port == 0 || (!running && !Ports.isFree(port))) {
                    if (port != 0) {
                        LOG.warn("port {} of {} is taken by another process; {} gets a new port", port, component.id(),
                                component.id());
                    }
                    toAssign.add(key);
                }
            }
        }
        List<Integer> ports = Ports.allocate(toAssign.size());
        for (int i = 0; i < toAssign.size(); i++) {
            state.setPort(toAssign.get(i), ports.get(i));
        }
        if (wanted.contains(Component.KAFKA) && state.get(KafkaBroker.CLUSTER_ID) == null) {
            state.set(KafkaBroker.CLUSTER_ID, existingClusterId(dir).orElseGet(() -> Uuid.randomUuid().toString()));
        }
    }

    /** The id a formatted data directory was formatted with: the broker refuses any other. */
    private static Optional<String> existingClusterId(Path dir) {
        Path formatted = dir.resolve(Component.KAFKA.id()).resolve("formatted");
        try {
            return Files.exists(formatted) ? Optional.of(Files.readString(formatted, StandardCharsets.UTF_8).strip()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Endpoints endpointsOf(Map<Component, LocalServer> servers) {
        PostgresServer postgres = (PostgresServer) servers.get(Component.POSTGRES);
        KafkaBroker kafka = (KafkaBroker) servers.get(Component.KAFKA);
        SchemaRegistryServer registry = (SchemaRegistryServer) servers.get(Component.REGISTRY);
        ClickHouseServer clickhouse = (ClickHouseServer) servers.get(Component.CLICKHOUSE);
        return new Endpoints(postgres == null ? null : postgres.jdbcUrl(PostgresServer.DATABASE),
                postgres == null ? null : PostgresServer.USER, postgres == null ? null : PostgresServer.PASSWORD,
                kafka == null ? null : kafka.bootstrap(), registry == null ? null : registry.url(),
                clickhouse == null ? null : clickhouse.url());
    }

    private static Path normalise(Path dir) {
        Path absolute = dir.toAbsolutePath().normalize();
        try {
            return Files.exists(absolute) ? absolute.toRealPath() : absolute;
        } catch (IOException e) {
            return absolute;
        }
    }

    private static Path prepareDir(Path dir) {
        Path absolute = dir.toAbsolutePath().normalize();
        SpawnedServer.createDirectories(absolute);
        return normalise(absolute);
    }

    /** Serialises up/down on one directory: across processes by a file lock, within this JVM by a lock object. */
    private static <T> T locked(Path dir, Supplier<T> action) {
        ReentrantLock jvmLock = IN_JVM_LOCKS.computeIfAbsent(dir, d -> new ReentrantLock());
        jvmLock.lock();
        try (FileChannel channel = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock ignored = channel.lock()) {
            return action.get();
        } catch (IOException e) {
            throw new StackException("cannot lock " + dir.resolve(".lock") + ": " + e.getMessage(), e);
        } finally {
            jvmLock.unlock();
        }
    }

    private static void writeAtomically(Path file, String content) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        SpawnedServer.write(tmp, content);
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new StackException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static java.util.concurrent.ThreadFactory daemonThreads() {
        return runnable -> {
            Thread thread = new Thread(runnable, "local-stack");
            thread.setDaemon(true);
            return thread;
        };
    }
}
