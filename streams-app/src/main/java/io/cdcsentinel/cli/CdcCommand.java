package io.cdcsentinel.cli;

import io.cdcsentinel.cdc.CdcMeters;
import io.cdcsentinel.cdc.CdcRunner;
import io.cdcsentinel.config.CdcSettings;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.OpsSettings;
import io.cdcsentinel.config.PostgresSettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.metrics.Health;
import io.cdcsentinel.metrics.Telemetry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bin/sentinel cdc}: Debezium embedded PostgreSQL -> Kafka, until interrupted. */
@Command(name = "cdc", mixinStandardHelpOptions = true,
        description = "Capture the five source tables with Debezium (embedded) into <topic.prefix>.<schema>.<table> topics.")
public final class CdcCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(names = "--status-every", paramLabel = "DURATION", defaultValue = "30s",
            description = "print per-topic counts this often (0 = never); default ${DEFAULT-VALUE}")
    String statusEvery;

    @Override
    public Integer call() throws Exception {
        ConfigSource source = config.load();
        CdcSettings cdc = CdcSettings.from(source);
        CdcRunner runner = new CdcRunner(PostgresSettings.from(source), KafkaSettings.from(source), cdc,
                TopicNames.from(source));
        PostgresSettings postgres = PostgresSettings.from(source);
        Telemetry telemetry = Telemetry.start(OpsSettings.from(source), "cdc");
        CdcMeters meters = new CdcMeters(postgres, cdc.slotName(), TopicNames.from(source).prefix());
        telemetry.bind(meters);
        telemetry.bind(runner.clientMetrics());
        telemetry.health(() -> new Health(runner.failure() == null,
                        runner.failure() == null ? Map.of() : Map.of("failure", runner.failure().toString())),
                () -> {
                    boolean streaming = meters.streaming();
                    return new Health(runner.isRunning() && streaming, Map.of("engine", runner.isRunning() ? "RUNNING" : "STOPPED",
                            "streaming", streaming ? "CONNECTED" : "NOT_STREAMING"));
                });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            runner.close();
            telemetry.close();
        }, "sentinel-cdc-shutdown"));
        runner.start();
        Console.println("cdc: capturing into " + TopicNames.from(source).prefix() + ".* (slot " + cdc.slotName() + ")");
        Duration every = io.cdcsentinel.config.ConfigKey.parseDuration(statusEvery);
        while (runner.isRunning()) {
            Throwable failure = runner.awaitStop(every.isZero() ? Duration.ofSeconds(5) : every);
            if (failure != null) {
                Console.error("cdc failed: " + failure);
                return 1;
            }
            if (!every.isZero() && runner.isRunning()) {
                Console.println("cdc: " + runner.counts());
            }
        }
        return runner.failure() == null ? 0 : 1;
    }
}
