package io.cdcsentinel.dev;

import io.cdcsentinel.alerts.AlertState;
import io.cdcsentinel.alerts.AlertsView;
import io.cdcsentinel.avro.GapRate;
import io.cdcsentinel.cdc.CdcRunner;
import io.cdcsentinel.cli.ConfigOption;
import io.cdcsentinel.cli.Console;
import io.cdcsentinel.cli.ExtraCommand;
import io.cdcsentinel.cli.Pipeline;
import io.cdcsentinel.config.CdcSettings;
import io.cdcsentinel.config.ClickHouseSettings;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.PostgresSettings;
import io.cdcsentinel.config.RegistrySettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.local.Endpoints;
import io.cdcsentinel.local.LocalStack;
import io.cdcsentinel.registry.SchemaRegistration;
import io.cdcsentinel.sim.Scenario;
import io.cdcsentinel.sim.SimulationSummary;
import io.cdcsentinel.sim.Simulator;
import io.cdcsentinel.sim.WorkloadSpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/sentinel demo}: the embedded default. Starts the local stack, a fresh database in it, the
 * CDC runner, both topologies and the ClickHouse sink, writes a sample workload with the simulator (the
 * incidents of domain.md at a small rate, timestamps = now), and prints what flows until the workload is
 * done and the last grace period has passed. Needs no configuration.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run everything locally with a sample workload and show what flows: stack, Debezium,"
                + " both topologies, the ClickHouse sink. No configuration needed.")
public final class DemoCommand implements Callable<Integer>, ExtraCommand {
    @Option(names = "--dir", paramLabel = "DIR", defaultValue = ".stack",
            description = "stack directory (shared with `stack up`); default ${DEFAULT-VALUE}")
    Path dir;

    @Option(names = "--stories", defaultValue = "600", description = "sample stories to write; default ${DEFAULT-VALUE}")
    long stories;

    @Option(names = "--rate", defaultValue = "20", description = "stories per second; default ${DEFAULT-VALUE}")
    double rate;

    @Option(names = "--grace", defaultValue = "20s",
            description = "grace period of the gap alerts for the demo (production default 5m); default ${DEFAULT-VALUE}")
    String grace;

    @Option(names = "--refresh", defaultValue = "5", description = "seconds between status lines; default ${DEFAULT-VALUE}")
    int refresh;

    @Override
    public Integer call() throws Exception {
        Duration graceDuration = io.cdcsentinel.config.ConfigKey.parseDuration(grace);
        Console.println("demo: starting the local stack in " + dir.toAbsolutePath() + " ...");
        LocalStack stack = LocalStack.up(dir, LocalStack.Options.defaults());
        Endpoints endpoints = stack.endpoints();
        String run = "demo" + DateTimeFormatter.ofPattern("yyyyMMddHHmmss").withZone(ZoneOffset.UTC).format(Instant.now());
        String database = createDatabase(endpoints, run);
        ConfigSource config = ConfigSource.of(demoConfig(endpoints, run, database));
        Console.println("demo: run " + run + " (database " + database + ", topics " + run + ".*)");

        TopicNames topics = TopicNames.from(config);
        KafkaSettings kafka = KafkaSettings.from(config);
        // the deployment's registration step (`schemas register`), not auto-registration: the demo runs as production does
        var schemas = SchemaRegistration.registerAllOrFail(RegistrySettings.from(config), topics);
        Console.println("demo: schemas registered as `bin/sentinel schemas register` does: " + schemas.size()
                + " subjects, compatibility BACKWARD");
        try (CdcRunner cdc = new CdcRunner(PostgresSettings.from(config), kafka, CdcSettings.from(config), topics);
                Pipeline pipeline = Pipeline.fromConfig(config)) {
            cdc.start();
            pipeline.start(); // creates the output topics the view assigns
            try (AlertsView alerts = AlertsView.open(kafka, RegistrySettings.from(config), topics, AlertsView.Start.BEGINNING,
                    Duration.ofSeconds(30))) {
                if (!follow(alerts, cdc, pipeline, config, graceDuration)) {
                    return 1;
                }
            }
        }
        Console.println("demo: done. The servers keep running: inspect with the endpoints in "
                + dir.resolve(LocalStack.ENDPOINTS_FILE) + ", stop them with `bin/sentinel stack down --dir " + dir + "`.");
        return 0;
    }

    /** Writes the workload and prints what flows until it is done and settled; false when a part stopped. */
    private boolean follow(AlertsView alerts, CdcRunner cdc, Pipeline pipeline, ConfigSource config, Duration graceDuration)
            throws Exception {
        ExecutorService workload = Executors.newSingleThreadExecutor();
        try {
            Simulator simulator = new Simulator(PostgresSettings.from(config), WorkloadSpec.builder()
                    .seed(System.nanoTime())
                    .mix(Map.of(Scenario.STEADY, 4, Scenario.ASYNC_RACE, 3, Scenario.APPEALS_CALIBRATION, 1, Scenario.REASSIGN, 2))
                    .count(stories).rate(rate).start(Instant.now())
                    // demo-sized delays: stories complete within a minute or two, late historic writes
                    // arrive after the demo's grace period (so they RESOLVE an open gap)
                    .conversationLength(Duration.ofSeconds(8)).reviewDelay(Duration.ofSeconds(3))
                    .submitDelay(Duration.ofSeconds(6)).reassignDelay(Duration.ofSeconds(8))
                    .lateDelay(graceDuration.plusSeconds(10))
                    .build());
            Console.println("demo: writing " + stories + " sample stories at " + rate + "/s (steady, async-race,"
                    + " appeals-calibration, reassign) ...");
            Future<SimulationSummary> written = workload.submit(simulator::run);

            Duration settle = graceDuration.plusSeconds(15);
            long quietUntil = Long.MAX_VALUE;
            while (System.currentTimeMillis() < quietUntil) {
                alerts.poll(Duration.ofSeconds(refresh));
                printStatus(cdc, pipeline, alerts.state(), config);
                if (written.isDone() && quietUntil == Long.MAX_VALUE) {
                    SimulationSummary summary = written.get();
                    Console.println("demo: workload written:");
                    summary.lines().forEach(line -> Console.println("  " + line));
                    quietUntil = System.currentTimeMillis() + settle.toMillis();
                }
                if (pipeline.failure().isPresent() || cdc.failure() != null) {
                    Console.error("demo: stopped: " + pipeline.failure().orElse(String.valueOf(cdc.failure())));
                    return false;
                }
            }
            alerts.poll(Duration.ofSeconds(2));
            printSummary(alerts.state());
            return true;
        } finally {
            workload.shutdownNow();
            workload.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private Map<String, String> demoConfig(Endpoints endpoints, String run, String database) {
        Map<String, String> values = new HashMap<>(endpoints.asConfig());
        values.put(PostgresSettings.URL.name(), endpoints.postgresUrl().replaceAll("/[^/?]+(\\?.*)?$", "/" + database));
        values.put(TopicNames.PREFIX.name(), run);
        values.put(TopicNames.GAPS.name(), run + "-scorecard-historic-gaps");
        values.put(TopicNames.GAP_RATES.name(), run + "-scorecard-historic-gap-rates");
        values.put(TopicNames.LABELS.name(), run + "-conversation-labels");
        values.put(TopicNames.DLQ.name(), run + "-sentinel-dlq");
        values.put("streams.application.id", run);
        values.put("streams.state.dir", dir.resolve("demo-state").resolve(run).toAbsolutePath().toString());
        values.put("cdc.name", run);
        values.put("cdc.slot.name", run);
        values.put("cdc.publication.name", run + "_pub");
        values.put("cdc.offsets.topic", run + "-cdc-offsets");
        values.put("gaps.grace", grace);
        values.put("labels.settle.window", "2s");
        values.put("clickhouse.database", "default");
        values.put("sink.table", run + "_conversation_labels");
        values.put("run.sink.enabled", Boolean.toString(endpoints.clickhouse().isPresent()));
        return values;
    }

    /** A fresh database per demo run, so runs never collide on primary keys or replication slots. */
    private static String createDatabase(Endpoints endpoints, String name) throws Exception {
        try (Connection c = DriverManager.getConnection(endpoints.postgresUrl(), endpoints.postgresUser(),
                endpoints.postgresPassword()); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        String url = endpoints.postgresUrl().replaceAll("/[^/?]+(\\?.*)?$", "/" + name);
        try (Connection c = DriverManager.getConnection(url, endpoints.postgresUser(), endpoints.postgresPassword())) {
            io.cdcsentinel.cdc.SourceSchema.apply(c);
        }
        return name;
    }

    private void printStatus(CdcRunner cdc, Pipeline pipeline, AlertState alerts, ConfigSource config) {
        long captured = cdc.counts().entrySet().stream().filter(e -> !e.getKey().startsWith("__")).mapToLong(Map.Entry::getValue).sum();
        String rows = pipeline.sink().map(s -> Long.toString(s.progress().rowsWritten())).orElse("(no ClickHouse)");
        String visible = pipeline.sink().isPresent() ? clickHouseCount(config) : "-";
        Console.printf("demo: cdc %,d records | gaps: %d open, %d resolved, %d withdrawn | rate buckets %d (%d alerting)"
                + " | labels: %s rows written, %s conversations in ClickHouse FINAL%n", captured,
                alerts.openGaps().size(), alerts.count(io.cdcsentinel.avro.GapEventType.RESOLVED),
                alerts.count(io.cdcsentinel.avro.GapEventType.WITHDRAWN), alerts.buckets(), alerts.alertingBuckets().size(),
                rows, visible);
    }

    private static String clickHouseCount(ConfigSource config) {
        try {
            ClickHouseSettings ch = ClickHouseSettings.from(config);
            String table = config.raw("sink.table").orElseThrow();
            String sql = "SELECT count() FROM " + ch.database() + "." + table + " FINAL WHERE is_deleted = 0";
            HttpRequest request = HttpRequest.newBuilder(URI.create(ch.url() + "/?query="
                    + java.net.URLEncoder.encode(sql, StandardCharsets.UTF_8))).timeout(Duration.ofSeconds(5)).GET().build();
            HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? response.body().trim() : "?";
        } catch (Exception e) {
            return "?";
        }
    }

    private static void printSummary(AlertState alerts) {
        Console.println("demo: open gaps (first 10 of " + alerts.openGaps().size() + "):");
        alerts.openGaps().stream().limit(10).forEach(g -> Console.println(String.format(
                "  %s/%s scorecard %s template %s conversation %s%s stage %s, %d director scores, %d historic rows",
                g.getCustomer(), g.getProfile(), g.getScorecardId(), g.getTemplateId(),
                g.getConversationId() == null ? "-" : g.getConversationId(), g.getProcessScorecard() ? " (process)" : "",
                g.getStage(), g.getDirectorScoreCount(), g.getHistoricRowCount())));
        for (GapRate rate : alerts.alertingBuckets()) {
            Console.println(String.format("  ALERT %s/%s %s %s: submitted %d/%d missing (%.1f%%), unsubmitted %d/%d (%.1f%%)",
                    rate.getCustomer(), rate.getProfile(), rate.getBucketSize(), rate.getBucketStart(),
                    rate.getSubmittedMissing(), rate.getSubmittedTotal(), rate.getSubmittedMissingPct(),
                    rate.getUnsubmittedMissing(), rate.getUnsubmittedTotal(), rate.getUnsubmittedMissingPct()));
        }
    }
}
