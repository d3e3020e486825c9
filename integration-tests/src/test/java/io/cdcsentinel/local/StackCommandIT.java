package io.cdcsentinel.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cdcsentinel.cdc.SourceSchema;
import io.cdcsentinel.testing.StackExtension;
import io.cdcsentinel.testing.StackFixture;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Node;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code stack up|status|down} as a user runs them: each command in a JVM of its own, which exits while the
 * servers keep running. Each test has its own stack directory (not the shared test stack).
 */
@ExtendWith(StackExtension.class)
class StackCommandIT {
    private static final Logger LOG = LoggerFactory.getLogger(StackCommandIT.class);
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(3);

    @Test
    void shouldKeepOneProcessPerServerOnTheSamePortsWhenUpRunsTwice(StackFixture fixture) throws Exception {
        Path dir = fixture.newStackDirectory("up_twice");

        String first = run(dir, "up", "--dir", dir.toString());
        LOG.info("first `stack up` (fresh directory):\n{}", first);
        Map<Component, List<Long>> serversAfterFirst = ProcTable.servers(dir);
        Endpoints endpointsAfterFirst = Endpoints.read(dir.resolve(LocalStack.ENDPOINTS_FILE));

        String second = run(dir, "up", "--dir", dir.toString());
        LOG.info("second `stack up`:\n{}", second);

        Map<Component, List<Long>> servers = ProcTable.servers(dir);
        assertThat(servers).containsOnlyKeys(EnumSet.allOf(Component.class));
        servers.forEach((component, pids) -> assertThat(pids).as(component.id() + " processes").hasSize(1));
        assertThat(servers).isEqualTo(serversAfterFirst);
        assertThat(second.lines().filter(l -> l.contains("already running"))).hasSize(4);
        Endpoints endpoints = Endpoints.read(dir.resolve(LocalStack.ENDPOINTS_FILE));
        assertThat(endpoints).isEqualTo(endpointsAfterFirst);

        assertEveryEndpointAnswers(endpoints);

        String status = run(dir, "status", "--dir", dir.toString());
        for (Component component : Component.values()) {
            assertThat(status).containsPattern("(?m)^\\s+" + component.id() + "\\s+running\\s+pid "
                    + servers.get(component).get(0) + "\\s+port \\d+");
        }

        List<Integer> ports = ports(dir);
        run(dir, "down", "--dir", dir.toString());

        servers.values().stream().flatMap(List::stream).forEach(pid -> assertThat(ProcTable.running(pid))
                .as("pid " + pid + " after down").isFalse());
        assertThat(ProcTable.mentioning(dir)).isEmpty();
        assertThat(ports).hasSize(7).allSatisfy(port -> assertThat(Ports.isFree(port)).as("port " + port + " free").isTrue());
    }

    @Test
    void shouldLeaveNoProcessAndNoPortBehindWhenDownFollowsAnUpKilledHalfWay(StackFixture fixture) throws Exception {
        Path dir = fixture.newStackDirectory("crashed_up");
        // Inside the stack directory: copied with the server logs if the test fails, deleted with the directory.
        Path output = dir.resolve("cli-up.out");
        Process up = ProcTable.startStackCommand(output, "up", "--dir", dir.toString());

        // Half-way: the broker process exists, the command has not finished (the broker is not ready yet).
        await("the Kafka broker being launched").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(20))
                .until(() -> Files.exists(dir.resolve("kafka").resolve("kafka.pid")) || !up.isAlive());
        assertThat(up.isAlive()).as("`stack up` still running when killed").isTrue();
        up.destroyForcibly().waitFor(30, TimeUnit.SECONDS);

        List<ProcTable.Proc> leftovers = ProcTable.mentioning(dir);
        LOG.info("left behind by the killed `stack up`: {}", leftovers.stream().map(ProcTable.Proc::commandLine).toList());
        assertThat(leftovers).as("servers left running by the killed `stack up`").isNotEmpty();
        List<Integer> ports = ports(dir);
        // Lose the pid files too: down must find the servers by their command lines.
        for (Component component : List.of(Component.KAFKA, Component.REGISTRY, Component.CLICKHOUSE)) {
            Files.deleteIfExists(dir.resolve(component.id()).resolve(component.id() + ".pid"));
        }

        run(dir, "down", "--dir", dir.toString());

        assertThat(leftovers).allSatisfy(proc -> assertThat(ProcTable.running(proc.pid()))
                .as(proc.commandLine()).isFalse());
        assertThat(ProcTable.mentioning(dir)).isEmpty();
        assertThat(ports).hasSize(7).allSatisfy(port -> assertThat(Ports.isFree(port)).as("port " + port + " free").isTrue());
    }

    @Test
    void shouldStopServersStartedByAnotherJvmWhoseStateFilesAreGone(StackFixture fixture) throws Exception {
        Path dir = fixture.newStackDirectory("lost_state");
        run(dir, "up", "--dir", dir.toString());
        Map<Component, List<Long>> servers = ProcTable.servers(dir);
        assertThat(servers).containsOnlyKeys(EnumSet.allOf(Component.class));
        List<Integer> ports = ports(dir);
        for (Component component : List.of(Component.KAFKA, Component.REGISTRY, Component.CLICKHOUSE)) {
            Files.delete(dir.resolve(component.id()).resolve(component.id() + ".pid"));
        }
        Files.delete(dir.resolve("stack.properties"));
        Files.delete(dir.resolve(LocalStack.ENDPOINTS_FILE));

        String refused = runExpectingFailure(dir, "up", "--dir", dir.toString());
        assertThat(refused).contains("still running").contains("stack down");

        String down = run(dir, "down", "--dir", dir.toString());

        assertThat(down.lines().filter(l -> l.contains("stopped (pid"))).hasSize(4);
        servers.values().stream().flatMap(List::stream).forEach(pid -> assertThat(ProcTable.running(pid))
                .as("pid " + pid + " after down").isFalse());
        assertThat(ProcTable.mentioning(dir)).isEmpty();
        assertThat(ports).allSatisfy(port -> assertThat(Ports.isFree(port)).as("port " + port + " free").isTrue());
    }

    private static void assertEveryEndpointAnswers(Endpoints endpoints) throws Exception {
        try (Connection connection = DriverManager.getConnection(endpoints.postgresUrl(), endpoints.postgresUser(),
                endpoints.postgresPassword()); Statement statement = connection.createStatement()) {
            try (ResultSet one = statement.executeQuery("SELECT 1")) {
                assertThat(one.next()).isTrue();
                assertThat(one.getInt(1)).isEqualTo(1);
            }
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = statement.executeQuery("SELECT table_schema || '.' || table_name FROM information_schema.tables"
                    + " WHERE table_schema IN ('director', 'historic', 'app')")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            assertThat(tables).containsExactlyInAnyOrderElementsOf(SourceSchema.TABLES);
            try (ResultSet wal = statement.executeQuery("SHOW wal_level")) {
                assertThat(wal.next()).isTrue();
                assertThat(wal.getString(1)).isEqualTo("logical");
            }
        }

        Properties admin = new Properties();
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.kafkaBootstrap());
        try (Admin client = Admin.create(admin)) {
            List<Node> nodes = new ArrayList<>(client.describeCluster().nodes().get(30, TimeUnit.SECONDS));
            assertThat(nodes).hasSize(1);
            assertThat(nodes.get(0).host() + ":" + nodes.get(0).port()).isEqualTo(endpoints.kafkaBootstrap());
        }

        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> info = http.send(HttpRequest.newBuilder(URI.create(endpoints.registryUrl()
                + "/apis/registry/v3/system/info")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(info.statusCode()).isEqualTo(200);
        assertThat(info.body()).contains("Apicurio Registry");

        assertThat(endpoints.clickhouse()).as("SENTINEL_CLICKHOUSE_URL").isPresent();
        String version = ClickHouseServer.execute(endpoints.clickhouseUrl(), "SELECT version()").strip();
        assertThat(version).matches("\\d+\\.\\d+.*");
    }

    /** The seven ports the directory's stack.properties assigned. */
    private static List<Integer> ports(Path dir) throws IOException {
        Properties state = new Properties();
        try (Reader reader = Files.newBufferedReader(dir.resolve("stack.properties"), StandardCharsets.UTF_8)) {
            state.load(reader);
        }
        return state.stringPropertyNames().stream().filter(k -> k.endsWith("port")).map(k -> Integer.parseInt(state.getProperty(k)))
                .toList();
    }

    private static String run(Path dir, String... args) throws Exception {
        Result result = execute(dir, args);
        assertThat(result.exitCode()).as("exit code of `stack %s`; output:%n%s", String.join(" ", args), result.output())
                .isZero();
        return result.output();
    }

    private static String runExpectingFailure(Path dir, String... args) throws Exception {
        Result result = execute(dir, args);
        assertThat(result.exitCode()).as("exit code of `stack %s`; output:%n%s", String.join(" ", args), result.output())
                .isNotZero();
        return result.output();
    }

    private record Result(int exitCode, String output) {
    }

    private static Result execute(Path dir, String... args) throws Exception {
        Path output = dir.resolve("cli-" + args[0] + "-" + System.nanoTime() + ".out");
        Process process = ProcTable.startStackCommand(output, args);
        if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("`stack " + String.join(" ", args) + "` did not finish within " + COMMAND_TIMEOUT
                    + "; output:\n" + Files.readString(output));
        }
        String text = Files.readString(output);
        Files.delete(output);
        return new Result(process.exitValue(), text);
    }
}
