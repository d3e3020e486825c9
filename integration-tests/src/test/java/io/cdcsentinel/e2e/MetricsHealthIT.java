package io.cdcsentinel.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cdcsentinel.avro.GapEventType;
import io.cdcsentinel.avro.ScorecardGapEvent;
import io.cdcsentinel.avro.ScorecardGapKey;
import io.cdcsentinel.config.ClickHouseSettings;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.PostgresSettings;
import io.cdcsentinel.config.RegistrySettings;
import io.cdcsentinel.config.SinkSettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.local.ClickHouseServer;
import io.cdcsentinel.local.Component;
import io.cdcsentinel.metrics.DashboardQueries;
import io.cdcsentinel.metrics.Meters;
import io.cdcsentinel.sim.Scenario;
import io.cdcsentinel.sim.Simulator;
import io.cdcsentinel.sim.WorkloadSpec;
import io.cdcsentinel.testing.StackExtension;
import io.cdcsentinel.testing.SentinelProcess;
import io.cdcsentinel.testing.StackFixture;
import io.cdcsentinel.testing.TestStack;
import io.cdcsentinel.testing.TopicReader;
import io.cdcsentinel.topology.AvroSerdes;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 16 on the real servers: {@code bin/sentinel run} as its own JVM with its HTTP port, after a simulated
 * workload. {@code /metrics} must show, per customer and profile, exactly the open gaps that the gap topic holds
 * (latest event OPENED), and {@code /health/ready} must turn 503 while ClickHouse is stopped and 200 again when it
 * is back, with {@code /health/live} staying 200 (the sink retries; the process must not be restarted for it). Last,
 * every metric the Grafana dashboard and the alert rules in {@code deploy/} query must be on that {@code /metrics}
 * (Kafka Streams' and the Kafka clients' included, which {@code DashboardMetricsTest} cannot see).
 */
@ExtendWith(StackExtension.class)
class MetricsHealthIT {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsHealthIT.class);
    private static final Pattern OPEN_GAPS = Pattern.compile(
            "^sentinel_gaps_open\\{command=\"run\",customer=\"([^\"]*)\",profile=\"([^\"]*)\"} ([0-9.E]+)$", Pattern.MULTILINE);

    /**
     * Project meters ({@link Meters#prometheusNames()}) that this test's run need not serve: registered on their
     * first value (a missing-rate alert raised or resolved, a bucket alerting, a bucket's first roll-up, a stream
     * thread replaced). Every other name the dashboard or the rules use, {@code kafka_*} included, must be on the live
     * scrape of {@code run} or of {@code cdc} ({@code sentinel_cdc_*}, the CDC producer's {@code kafka_producer_*}).
     * {@code up} is Prometheus's.
     */
    private static final Set<String> LAZY = Set.of("sentinel_rate_alerts_total", "sentinel_rate_buckets_alerting",
            "sentinel_missing_rate", "sentinel_stream_thread_replacements_total");
    private static final Pattern CDC_RECORDS_SENT = Pattern.compile(
            "^kafka_producer_record_send_total\\{[^}]*client=\"cdc\"[^}]*} ([0-9.E]+)$", Pattern.MULTILINE);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process run;
    private Process cdc;
    private Path workDir;
    private int port;
    private int cdcPort;

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : new Process[] {run, cdc}) {
            if (p != null) {
                p.destroy();
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
    }

    @Test
    void shouldExportTheOpenGapsOfTheTopicPerCustomerAndTurnNotReadyWhileClickHouseIsDown(StackFixture shared)
            throws Exception {
        StackFixture stack = shared.withPrivate(Component.CLICKHOUSE);
        String database = stack.createClickHouseDatabase();
        port = freePort();
        ConfigSource config = stack.config(Map.ofEntries(
                Map.entry(ClickHouseSettings.DATABASE.name(), database),
                Map.entry(KafkaSettings.TOPIC_PARTITIONS.name(), "2"),
                Map.entry("http.port", String.valueOf(port)),
                Map.entry("http.bind", "127.0.0.1"),
                // consumers without lz4 (kafkajs): the broker recompresses the outputs, the internal topics stay lz4
                Map.entry(KafkaSettings.OUTPUT_COMPRESSION.name(), "gzip"),
                Map.entry("gaps.grace", "5s"),
                Map.entry("gaps.clock.idle.after", "2s"),
                Map.entry("labels.settle.window", "2s"),
                Map.entry("labels.fallback.idle", "2s"),
                // ClickHouse down must not exhaust the sink's retries
                Map.entry(SinkSettings.RETRY_ATTEMPTS.name(), "1000"),
                Map.entry(SinkSettings.RETRY_BACKOFF_MAX.name(), "2s")));
        workDir = Files.createDirectories(TestStack.targetDir().resolve("metrics-health-it").resolve(database));
        Path configFile = SentinelProcess.writeConfig(config, workDir.resolve("run.properties"), "run under test");
        cdcPort = freePort();
        Path cdcConfig = SentinelProcess.writeConfig(config.with(Map.of("http.port", String.valueOf(cdcPort))),
                workDir.resolve("cdc.properties"), "cdc under test");
        cdc = SentinelProcess.builder(workDir.resolve("cdc.log"), "cdc", "--config", cdcConfig.toString()).start();
        await("cdc ready").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(get(cdc, cdcPort, "/health/ready").statusCode()).isEqualTo(200));
        startRun(configFile);
        await("ready").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(get("/health/ready").statusCode()).isEqualTo(200));
        assertThat(get("/health/ready").body()).contains("\"clickhouse\":\"UP\"").contains("\"sink\":\"RUNNING\"");
        TopicNames names = TopicNames.from(config);
        try (Admin admin = Admin.create(KafkaSettings.from(config).clientConfig())) {
            for (String topic : List.of(names.gaps(), names.gapRates(), names.labels(), names.deadLetters())) {
                ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
                assertThat(admin.describeConfigs(List.of(resource)).all().get().get(resource)
                        .get(TopicConfig.COMPRESSION_TYPE_CONFIG).value()).as(topic).isEqualTo("gzip");
            }
        }

        Map<Scenario, Integer> mix = new LinkedHashMap<>();
        mix.put(Scenario.STEADY, 3);
        mix.put(Scenario.ASYNC_RACE, 3);
        mix.put(Scenario.APPEALS_CALIBRATION, 2);
        new Simulator(PostgresSettings.from(config), WorkloadSpec.builder().seed(16).mix(mix).count(300).batchSize(500)
                .build()).run();
        // And scorecards that never get historic rows, for two tenants; one of them gets its row after the gap opened.
        try (Connection c = DriverManager.getConnection(PostgresSettings.from(config).jdbcUrl(),
                PostgresSettings.from(config).user(), PostgresSettings.from(config).password());
                Statement st = c.createStatement()) {
            for (int i = 0; i < 5; i++) {
                st.addBatch("INSERT INTO director.scorecards (customer, profile, resource_id, template_id)"
                        + " VALUES ('metrics-a', 'prof-1', 'msc-a-" + i + "', 'tpl-1')");
            }
            for (int i = 0; i < 3; i++) {
                st.addBatch("INSERT INTO director.scorecards (customer, profile, resource_id, template_id)"
                        + " VALUES ('metrics-b', 'prof-2', 'msc-b-" + i + "', 'tpl-1')");
            }
            st.executeBatch();
            await("the first gaps open").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500))
                    .until(() -> openGapsOnTopic(config).getOrDefault("metrics-a/prof-1", 0L) == 5);
            st.execute("INSERT INTO historic.scorecard_scores (customer_id, profile_id, scorecard_id, criterion_id)"
                    + " VALUES ('metrics-a', 'prof-1', 'msc-a-0', 'crit-1')");
        }

        // Once the topic stops changing, the gauge must equal it, customer by customer.
        await("open gaps on /metrics equal to the gap topic").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    Map<String, Long> topic = openGapsOnTopic(config);
                    assertThat(topic).containsEntry("metrics-a/prof-1", 4L).containsEntry("metrics-b/prof-2", 3L);
                    assertThat(openGapsOnMetrics()).isEqualTo(topic);
                });
        Map<String, Long> open = openGapsOnTopic(config);
        LOG.info("open gaps per customer/profile, topic = /metrics: {}", open);
        String metrics = get("/metrics").body();
        assertThat(metrics).contains("sentinel_labels_written_total{command=\"run\"")
                .contains("sentinel_sink_rows_written_total{command=\"run\"")
                .contains("kafka_stream_")
                // Kafka's own metrics of the sink's consumer (Micrometer's KafkaClientMetrics)
                .containsPattern("kafka_consumer_fetch_manager_records_consumed_total\\{[^}]*client=\"sink\"");

        ClickHouseServer clickhouse = stack.stack().clickhouse().orElseThrow();
        long stopped = System.nanoTime();
        clickhouse.stop();
        await("not ready while ClickHouse is down").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    HttpResponse<String> ready = get("/health/ready");
                    assertThat(ready.statusCode()).isEqualTo(503);
                    assertThat(ready.body()).contains("\"clickhouse\":\"UNREACHABLE\"");
                });
        long notReady = System.nanoTime();
        assertThat(get("/health/live").statusCode()).as("alive: the sink retries").isEqualTo(200);
        assertThat(get("/metrics").body()).contains("sentinel_ready{command=\"run\"} 0.0");
        clickhouse.start();
        long restarted = System.nanoTime();
        await("ready again").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(get("/health/ready").statusCode()).isEqualTo(200));
        LOG.info("/health/ready: 503 {} ms after ClickHouse stopped, 200 {} ms after it started again",
                (notReady - stopped) / 1_000_000, (System.nanoTime() - restarted) / 1_000_000);
        assertThat(run.isAlive()).isTrue();

        // cdc's own figures and its producer's Kafka metrics (Micrometer's KafkaClientMetrics, client="cdc")
        String cdcScrape = get(cdc, cdcPort, "/metrics").body();
        Files.writeString(workDir.resolve("cdc-metrics.txt"), cdcScrape);
        Matcher sent = CDC_RECORDS_SENT.matcher(cdcScrape);
        assertThat(sent.find()).as("kafka_producer_record_send_total of client=cdc on cdc's /metrics").isTrue();
        assertThat(Double.parseDouble(sent.group(1))).as("records the CDC producer sent").isPositive();
        assertThat(cdcScrape).contains("sentinel_cdc_records_total{").contains("sentinel_ready{command=\"cdc\"} 1.0");
        Set<String> servedByCdc = DashboardQueries.names(cdcScrape);

        // The dashboard and the alert rules query only what run serves. Micrometer's Kafka binders add the metrics
        // Kafka registers after they were bound (tasks, state stores, RocksDB, per-topic) at their refresh, every
        // 60 s: hence the wait. The last scrape is kept as metrics.txt.
        assertThat(Meters.prometheusNames()).containsAll(LAZY);
        await("every metric of the dashboard and the alert rules on /metrics of run or cdc").atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
                    String scrape = get("/metrics").body();
                    Files.writeString(workDir.resolve("metrics.txt"), scrape);
                    Set<String> served = DashboardQueries.names(scrape);
                    assertThat(DashboardQueries.unknown(m -> served.contains(m) || servedByCdc.contains(m) || LAZY.contains(m)
                            || m.equals("up"))).as("queried but not served by run or cdc (see %s and cdc-metrics.txt)",
                                    workDir.resolve("metrics.txt")).isEmpty();
                });
    }

    private void startRun(Path configFile) throws IOException {
        run = SentinelProcess.builder(workDir.resolve("run.log"), "run", "--config", configFile.toString()).start();
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return get(run, port, path);
    }

    private HttpResponse<String> get(Process process, int port, String path) throws IOException, InterruptedException {
        assertThat(process.isAlive()).as("process exited; see " + workDir).isTrue();
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.net.ConnectException e) {
            throw new AssertionError("not listening yet on " + port, e);
        }
    }

    private Map<String, Long> openGapsOnMetrics() throws IOException, InterruptedException {
        Map<String, Long> open = new TreeMap<>();
        Matcher m = OPEN_GAPS.matcher(get("/metrics").body());
        while (m.find()) {
            long n = (long) Double.parseDouble(m.group(3));
            if (n != 0) {
                open.put(m.group(1) + "/" + m.group(2), n);
            }
        }
        return open;
    }

    /** Scorecards whose latest event on the compacted gap topic is OPENED, per customer/profile. */
    private static Map<String, Long> openGapsOnTopic(ConfigSource config) {
        AvroSerdes avro = new AvroSerdes(RegistrySettings.from(config));
        List<ConsumerRecord<ScorecardGapKey, ScorecardGapEvent>> records = TopicReader.readAll(
                KafkaSettings.from(config).bootstrap(), TopicNames.from(config).gaps(),
                avro.forKeys(ScorecardGapKey.class).deserializer(), avro.forValues(ScorecardGapEvent.class).deserializer());
        Map<ScorecardGapKey, ScorecardGapEvent> latest = new LinkedHashMap<>();
        for (ConsumerRecord<ScorecardGapKey, ScorecardGapEvent> r : records) {
            if (r.value() == null) {
                latest.remove(r.key());
            } else {
                latest.put(r.key(), r.value());
            }
        }
        Map<String, Long> open = new TreeMap<>();
        latest.forEach((key, event) -> {
            if (event.getEventType() == GapEventType.OPENED) {
                open.merge(key.getCustomer() + "/" + key.getProfile(), 1L, Long::sum);
            }
        });
        return open;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
