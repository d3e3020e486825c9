package io.cdcsentinel.local;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * ClickHouse from the operating system's package ({@code clickhouse-server}; Debian ships 18.16), run with
 * a generated {@code config.xml} and {@code users.xml} that put every path, port and log inside the stack
 * directory. The configuration uses only what 18.16 understands and newer servers still accept.
 */
public final class ClickHouseServer extends SpawnedServer {
    static final String HTTP_PORT = "clickhouse.http.port";
    static final String TCP_PORT = "clickhouse.tcp.port";
    static final String INTERSERVER_PORT = "clickhouse.interserver.port";
    /** System property naming the server binary, when it is not on the PATH. */
    public static final String BINARY_PROPERTY = "sentinel.clickhouse.binary";
    public static final String INSTALL_HINT = "apt-get update && apt-get install -y clickhouse-server";

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Path binary;
    private final int httpPort;
    private final int tcpPort;
    private final int interserverPort;

    ClickHouseServer(Path stackDir, Path binary, int httpPort, int tcpPort, int interserverPort) {
        super(Component.CLICKHOUSE, stackDir);
        this.binary = binary;
        this.httpPort = httpPort;
        this.tcpPort = tcpPort;
        this.interserverPort = interserverPort;
    }

    /** The server binary: {@value #BINARY_PROPERTY}, else {@code clickhouse-server} on the PATH or in /usr/sbin, /usr/bin. */
    public static Optional<Path> findBinary() {
        String configured = System.getProperty(BINARY_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Optional.of(Path.of(configured)).filter(Files::isExecutable);
        }
        List<String> dirs = new ArrayList<>(List.of(Optional.ofNullable(System.getenv("PATH")).orElse("").split(File.pathSeparator)));
        dirs.addAll(List.of("/usr/sbin", "/usr/bin", "/usr/local/bin"));
        return dirs.stream().filter(d -> !d.isBlank()).map(d -> Path.of(d, "clickhouse-server")).filter(Files::isExecutable).findFirst();
    }

    /** What to tell a user whose machine lacks ClickHouse. */
    public static String notInstalledMessage() {
        return "ClickHouse is not installed (no clickhouse-server on the PATH, in /usr/sbin or /usr/bin, nor at -D"
                + BINARY_PROPERTY + "). Install it with: " + INSTALL_HINT;
    }

    /** {@code http://127.0.0.1:PORT}, the HTTP interface. */
    public String url() {
        return "http://127.0.0.1:" + httpPort;
    }

    @Override
    public Map<String, Integer> ports() {
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put("port", httpPort);
        ports.put("tcp", tcpPort);
        ports.put("interserver", interserverPort);
        return ports;
    }

    @Override
    public List<Path> logFiles() {
        return List.of(home.resolve("logs").resolve("clickhouse-server.log"),
                home.resolve("logs").resolve("clickhouse-server.err.log"), consoleLog());
    }

    /**
     * Runs one statement over HTTP as user {@code default} and returns the response body (TabSeparated for
     * a SELECT). For the stack's own checks and tests; the application uses its ClickHouse client.
     */
    public String execute(String sql) {
        return execute(url(), sql);
    }

    /** {@link #execute(String)} against the ClickHouse HTTP interface at {@code baseUrl}. */
    public static String execute(String baseUrl, String sql) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/"))
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(sql, StandardCharsets.UTF_8))
                .build();
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            if (response.statusCode() != 200) {
                throw new StackException("ClickHouse answered " + response.statusCode() + " to `" + sql + "`: " + response.body().strip());
            }
            return response.body();
        } catch (IOException e) {
            throw new StackException("cannot reach ClickHouse at " + baseUrl + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted while querying ClickHouse", e);
        }
    }

    /** Starts the server again in its directory, on its ports (after {@link #stop()} or {@link #kill()}). */
    @Override
    public void start() {
        super.start();
    }

    @Override
    void prepare() {
        for (String dir : List.of("data", "tmp", "user_files", "format_schemas", "logs")) {
            createDirectories(home.resolve(dir));
        }
        write(home.resolve("config.xml"), config());
        write(home.resolve("users.xml"), users());
    }

    @Override
    List<String> command() {
        return List.of(binary.toString(), configArgument());
    }

    private String configArgument() {
        return "--config-file=" + home.resolve("config.xml");
    }

    @Override
    boolean isServerProcess(List<String> args) {
        return args.contains(configArgument());
    }

    @Override
    boolean isReady() {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(url() + "/ping")).timeout(Duration.ofSeconds(3)).GET().build();
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 && response.body().strip().equals("Ok.");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted while waiting for ClickHouse", e);
        }
    }

    @Override
    Duration startTimeout() {
        return Duration.ofSeconds(60);
    }

    /**
     * Paths end with '/' (18.16 concatenates them). No query_log, part_log or graphite: nothing writes in
     * the background that the tests did not ask for. Caches are small: this is a laptop-sized server.
     */
    private String config() {
        Path logs = home.resolve("logs");
        return """
                <?xml version="1.0"?>
                <!-- Generated by cdc-sentinel's local stack; rewritten at every start. -->
                <yandex>
                    <logger>
                        <level>information</level>
                        <log>%s</log>
                        <errorlog>%s</errorlog>
                        <size>50M</size>
                        <count>2</count>
                    </logger>
                    <listen_host>127.0.0.1</listen_host>
                    <http_port>%d</http_port>
                    <tcp_port>%d</tcp_port>
                    <interserver_http_port>%d</interserver_http_port>
                    <interserver_http_host>127.0.0.1</interserver_http_host>
                    <max_connections>256</max_connections>
                    <keep_alive_timeout>3</keep_alive_timeout>
                    <max_concurrent_queries>64</max_concurrent_queries>
                    <uncompressed_cache_size>67108864</uncompressed_cache_size>
                    <mark_cache_size>134217728</mark_cache_size>
                    <max_server_memory_usage>2147483648</max_server_memory_usage>
                    <path>%s/</path>
                    <tmp_path>%s/</tmp_path>
                    <user_files_path>%s/</user_files_path>
                    <format_schema_path>%s/</format_schema_path>
                    <users_config>%s</users_config>
                    <default_profile>default</default_profile>
                    <default_database>default</default_database>
                    <timezone>UTC</timezone>
                    <mlock_executable>false</mlock_executable>
                    <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
                    <max_session_timeout>3600</max_session_timeout>
                    <default_session_timeout>60</default_session_timeout>
                </yandex>
                """.formatted(xml(logs.resolve("clickhouse-server.log")), xml(logs.resolve("clickhouse-server.err.log")),
                httpPort, tcpPort, interserverPort, xml(home.resolve("data")), xml(home.resolve("tmp")),
                xml(home.resolve("user_files")), xml(home.resolve("format_schemas")), xml(home.resolve("users.xml")));
    }

    private static String xml(Path path) {
        return path.toString().replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** User {@code default} without a password, reachable from loopback only. */
    private static String users() {
        return """
                <?xml version="1.0"?>
                <!-- Generated by cdc-sentinel's local stack: user default, no password, loopback only. -->
                <yandex>
                    <profiles>
                        <default>
                            <max_memory_usage>1000000000</max_memory_usage>
                            <max_threads>2</max_threads>
                        </default>
                    </profiles>
                    <users>
                        <default>
                            <password></password>
                            <networks>
                                <ip>127.0.0.1</ip>
                                <ip>::1</ip>
                            </networks>
                            <profile>default</profile>
                            <quota>default</quota>
                        </default>
                    </users>
                    <quotas>
                        <default>
                            <interval>
                                <duration>3600</duration>
                                <queries>0</queries>
                                <errors>0</errors>
                                <result_rows>0</result_rows>
                                <read_rows>0</read_rows>
                                <execution_time>0</execution_time>
                            </interval>
                        </default>
                    </quotas>
                </yandex>
                """;
    }
}
