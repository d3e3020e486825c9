package io.cdcsentinel.local;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/**
 * A single Kafka 4.x node in KRaft combined mode (broker and controller in one JVM), run from the
 * {@code kafka_2.13} jar on this JVM's classpath as {@code kafka.Kafka server.properties}.
 *
 * <p>Its data directory is formatted once ({@code StorageTool format --standalone}) and kept: a broker
 * killed with {@code kill -9} and started again in the same directory, on the same ports, has all its
 * topics and records. The restart is only accepted once the controller has expired the dead broker's
 * session, hence the short {@code broker.session.timeout.ms}.
 */
public final class KafkaBroker extends SpawnedServer {
    static final String PORT = "kafka.port";
    static final String CONTROLLER_PORT = "kafka.controller.port";
    static final String CLUSTER_ID = "kafka.cluster.id";
    private static final int NODE_ID = 1;

    private final int port;
    private final int controllerPort;
    private final String clusterId;
    private final List<String> jvmOptions;

    KafkaBroker(Path stackDir, int port, int controllerPort, String clusterId, List<String> jvmOptions) {
        super(Component.KAFKA, stackDir);
        this.port = port;
        this.controllerPort = controllerPort;
        this.clusterId = clusterId;
        this.jvmOptions = List.copyOf(jvmOptions);
    }

    /** {@code 127.0.0.1:PORT}, for {@code bootstrap.servers}. */
    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    @Override
    public Map<String, Integer> ports() {
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put("port", port);
        ports.put("controller", controllerPort);
        return ports;
    }

    @Override
    public List<Path> logFiles() {
        return List.of(home.resolve("broker.log"), consoleLog());
    }

    Path dataDir() {
        return home.resolve("data");
    }

    /** Starts the broker again in its directory, on its ports (after {@link #kill()} or {@link #stop()}). */
    @Override
    public void start() {
        if (isRunning()) {
            throw new IllegalStateException("the Kafka broker is already running (pid " + pid().getAsLong() + ")");
        }
        if (!awaitPortsFree(Duration.ofSeconds(10))) {
            throw new StackException("a port of the Kafka broker " + ports() + " is taken by another process; free it and"
                    + " start again (the broker keeps its ports so that its clients find it)");
        }
        super.start();
    }

    /** Stops the broker cleanly, then starts it again. */
    public void restart() {
        stop();
        start();
    }

    @Override
    void prepare() {
        write(home.resolve("server.properties"), serverProperties());
        write(home.resolve("log4j2.xml"), log4jConfig());
        Path formatted = home.resolve("formatted");
        if (!Files.exists(formatted)) {
            // A format interrupted half-way leaves a directory the broker refuses: start from an empty one.
            deleteTree(dataDir());
            List<String> format = new ArrayList<>(List.of(javaExecutable(), "-Xmx256m", "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1", marker(home), "-Dlog4j2.configurationFile=" + home.resolve("log4j2.xml"),
                    "-cp", classpath(), "kafka.tools.StorageTool", "format", "--standalone", "-t", clusterId, "-c",
                    home.resolve("server.properties").toString()));
            runToCompletion(format, home, home.resolve("format.log"), Duration.ofMinutes(2), "formatting the Kafka data directory");
            write(formatted, clusterId + "\n");
        }
    }

    @Override
    List<String> command() {
        List<String> command = new ArrayList<>();
        command.add(javaExecutable());
        command.addAll(jvmOptions);
        command.addAll(List.of("-Djava.awt.headless=true", marker(home),
                "-Dlog4j2.configurationFile=" + home.resolve("log4j2.xml"), "-cp", classpath(), "kafka.Kafka",
                home.resolve("server.properties").toString()));
        return command;
    }

    @Override
    boolean isServerProcess(List<String> args) {
        return args.contains(marker(home)) && args.contains("kafka.Kafka");
    }

    @Override
    boolean isOwnProcess(List<String> args) {
        return args.contains(marker(home));
    }

    @Override
    boolean isReady() {
        if (!Ports.accepts(port)) {
            return false; // no Admin client before the listener is up: it would log a warning per retry
        }
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
        props.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 100);
        try (Admin admin = Admin.create(props)) {
            return admin.describeCluster(new DescribeClusterOptions().timeoutMs(3000)).nodes().get(4, TimeUnit.SECONDS)
                    .stream().anyMatch(node -> node.id() == NODE_ID);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                throw new StackException("interrupted while waiting for Kafka", e);
            }
            return false;
        }
    }

    @Override
    Duration startTimeout() {
        return Duration.ofSeconds(120);
    }

    /**
     * Single-node settings: every internal topic with replication factor 1 and min ISR 1, no delay before
     * the first rebalance, few partitions for the internal topics (they are created on first use and
     * each partition costs files and start-up time), a small compaction buffer for a small heap.
     */
    String serverProperties() {
        String listener = "127.0.0.1:" + port;
        String controller = "127.0.0.1:" + controllerPort;
        return String.join("\n",
                "# Generated by cdc-sentinel's local stack; rewritten at every start.",
                "process.roles=broker,controller",
                "node.id=" + NODE_ID,
                "listeners=PLAINTEXT://" + listener + ",CONTROLLER://" + controller,
                "advertised.listeners=PLAINTEXT://" + listener,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "controller.quorum.bootstrap.servers=" + controller,
                "log.dirs=" + dataDir(),
                "num.partitions=1",
                "default.replication.factor=1",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=8",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "transaction.state.log.num.partitions=8",
                "min.insync.replicas=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "share.coordinator.state.topic.num.partitions=1",
                "group.initial.rebalance.delay.ms=0",
                // A broker restarted after kill -9 is refused (DUPLICATE_BROKER_REGISTRATION) until its old session expires.
                "broker.session.timeout.ms=2000",
                "broker.heartbeat.interval.ms=500",
                "auto.create.topics.enable=true",
                "delete.topic.enable=true",
                "num.network.threads=2",
                "num.io.threads=4",
                "log.cleaner.threads=1",
                "log.cleaner.dedupe.buffer.size=33554432",
                "");
    }

    private String log4jConfig() {
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <!-- Generated by cdc-sentinel's local stack: the broker logs to a file in its own directory. -->
                <Configuration status="WARN">
                  <Appenders>
                    <RollingFile name="file" fileName="%1$s" filePattern="%1$s.%%i">
                      <PatternLayout pattern="[%%d] %%p %%m (%%c)%%n"/>
                      <Policies><SizeBasedTriggeringPolicy size="50 MB"/></Policies>
                      <DefaultRolloverStrategy max="2"/>
                    </RollingFile>
                  </Appenders>
                  <Loggers>
                    <Logger name="kafka.request.logger" level="WARN"/>
                    <Logger name="state.change.logger" level="WARN"/>
                    <Logger name="org.apache.kafka.storage.internals.log" level="WARN"/>
                    <Logger name="kafka.log.LogManager" level="WARN"/>
                    <Root level="INFO"><AppenderRef ref="file"/></Root>
                  </Loggers>
                </Configuration>
                """.formatted(home.resolve("broker.log"));
    }

    /**
     * This JVM's classpath, made absolute: from the CLI jar it is the jar whose manifest lists
     * {@code lib/*}; under failsafe it is the booter jar whose manifest lists every dependency. Either way
     * {@code kafka_2.13} (a runtime dependency) is on it.
     */
    static String classpath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.isBlank())
                .map(entry -> Path.of(entry).toAbsolutePath().toString())
                .collect(Collectors.joining(File.pathSeparator));
    }
}
