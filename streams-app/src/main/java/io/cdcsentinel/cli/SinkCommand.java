package io.cdcsentinel.cli;

import io.cdcsentinel.config.ClickHouseSettings;
import io.cdcsentinel.config.ConfigException;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.OpsSettings;
import io.cdcsentinel.config.SinkSettings;
import io.cdcsentinel.metrics.Health;
import io.cdcsentinel.metrics.Telemetry;
import io.cdcsentinel.sink.ClickHouseReachability;
import io.cdcsentinel.sink.ClickHouseSink;
import io.cdcsentinel.sink.LabelTable;
import io.cdcsentinel.sink.SinkMeters;
import io.cdcsentinel.sink.SinkProgress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bin/sentinel sink}: the ClickHouse sink alone. Runs until SIGTERM/SIGINT (exit 0) or until the
 * sink gives up (exit 1: a batch ClickHouse keeps refusing in {@code sink.failure.mode=stop}, a dead-letter
 * topic that cannot be written). Configuration errors exit 2 before anything starts.
 */
@Command(name = "sink", mixinStandardHelpOptions = true,
        description = {"Writes the conversation-labels topic into the ClickHouse table conversation_labels, each record"
                + " exactly once; resumes from what ClickHouse holds.",
                "Keys: clickhouse.url (required), clickhouse.user, clickhouse.password[.file], clickhouse.database,"
                        + " sink.table, sink.layout (replacing|legacy), sink.batch.size, sink.batch.linger,"
                        + " sink.retry.attempts, sink.retry.backoff[.max], sink.failure.mode (stop|dlq), sink.group.id;"
                        + " plus kafka.bootstrap, registry.url, topics.labels, topics.dlq."})
public final class SinkCommand implements Callable<Integer> {
    static final int EXIT_FAILED = 1;
    static final int EXIT_CONFIG = 2;

    @Mixin
    ConfigOption config = new ConfigOption();

    @Option(names = "--progress-seconds", defaultValue = "10", paramLabel = "N",
            description = "print progress every N seconds (0: only at the end; default ${DEFAULT-VALUE})")
    int progressSeconds;

    @Option(names = "--create-table-only", description = "create (or check) the database and table, print the DDL, exit")
    boolean createTableOnly;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        return new CommandLine(new SinkCommand()).execute(args);
    }

    @Override
    public Integer call() throws InterruptedException {
        ConfigSource source;
        ClickHouseSink sink;
        try {
            source = config.load();
            if (createTableOnly) {
                LabelTable table = ClickHouseSink.createTable(ClickHouseSettings.from(source), SinkSettings.from(source));
                Console.println(table.createTable());
                return 0;
            }
            sink = ClickHouseSink.fromConfig(source);
        } catch (ConfigException e) {
            Console.error("configuration error: " + e.getMessage());
            return EXIT_CONFIG;
        }
        Telemetry telemetry = Telemetry.start(OpsSettings.from(source), "sink");
        ClickHouseReachability clickhouse = new ClickHouseReachability(ClickHouseSettings.from(source), 2_000);
        telemetry.bind(new SinkMeters(sink));
        telemetry.health(() -> new Health(sink.state() != ClickHouseSink.State.FAILED, Map.of("sink", sink.state().name())),
                () -> {
                    boolean reachable = clickhouse.reachable();
                    return new Health(sink.state() == ClickHouseSink.State.RUNNING && reachable,
                            Map.of("sink", sink.state().name(), "clickhouse", reachable ? "UP" : "UNREACHABLE"));
                });
        Thread hook = new Thread(() -> {
            sink.close();
            clickhouse.close();
            telemetry.close();
        }, "sink-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            sink.start();
        } catch (RuntimeException e) {
            Console.error("sink cannot start: " + e.getMessage());
            return EXIT_FAILED;
        }
        Console.println("sink running: " + sink.table().qualifiedName() + " (Ctrl-C to stop)");
        Duration every = progressSeconds > 0 ? Duration.ofSeconds(progressSeconds) : Duration.ofDays(365);
        while (!sink.awaitTermination(every)) {
            Console.println(sink.progress().summary());
        }
        SinkProgress last = sink.progress();
        Console.println(last.summary());
        if (sink.state() == ClickHouseSink.State.FAILED) {
            Console.error("sink stopped: " + sink.failure().map(Throwable::getMessage).orElse("unknown failure")
                    + " -- nothing after the last written batch was committed; fix the cause and start it again");
            return EXIT_FAILED;
        }
        return 0;
    }
}
