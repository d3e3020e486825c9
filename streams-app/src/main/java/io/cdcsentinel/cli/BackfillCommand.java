package io.cdcsentinel.cli;

import io.cdcsentinel.backfill.Backfill;
import io.cdcsentinel.backfill.BackfillWindow;
import io.cdcsentinel.backfill.Replay;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.sink.ClickHouseSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bin/sentinel backfill}: rebuilds one window's alerts and labels into shadow outputs, then applies them. */
@Command(name = "backfill", mixinStandardHelpOptions = true,
        description = {"Rebuild the gap alerts, roll-ups and labels of one business-time window (scorecards and conversations"
                + " by created_at) through the same topologies, into shadow topics and a shadow table; --apply publishes them.",
                "Rerun the same command to resume a killed backfill. The report goes to <streams.state.dir>/backfill/<window>/."})
public final class BackfillCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(names = "--from", required = true, description = "window start (inclusive): 2026-01-05 or 2026-01-05T08:00:00Z")
    String from;

    @Option(names = "--to", required = true, description = "window end (exclusive), same forms")
    String to;

    @Option(names = "--customer", description = "only this customer (repeatable); default all")
    List<String> customers = new ArrayList<>();

    @Option(names = "--source", defaultValue = "auto",
            description = "where the rows come from: auto (the CDC topics when they hold the window, else a re-snapshot),"
                    + " topics, snapshot (default ${DEFAULT-VALUE})")
    String source;

    @Option(names = "--from-offsets", description = "JSON file {\"<topic>-<partition>\": offset}: start the replay of the CDC"
            + " topics there instead of at their beginning (a new backfill only)")
    Path fromOffsets;

    @Option(names = "--dry-run", description = "print what would be read and written, write nothing")
    boolean dryRun;

    @Option(names = "--apply", description = "after the replay, publish the shadow outputs onto the real topics and table")
    boolean apply;

    @Option(names = "--timeout", defaultValue = "6h", description = "give up (the state stays, rerun resumes) after this long")
    String timeout;

    @Override
    public Integer call() throws Exception {
        ConfigSource source = config.load();
        BackfillWindow window = new BackfillWindow(BackfillWindow.parseTime("--from", from), BackfillWindow.parseTime("--to", to),
                customers);
        Backfill.SourceChoice choice = switch (this.source.toLowerCase(java.util.Locale.ROOT)) {
            case "auto" -> Backfill.SourceChoice.AUTO;
            case "topics" -> Backfill.SourceChoice.TOPICS;
            case "snapshot" -> Backfill.SourceChoice.SNAPSHOT;
            default -> throw new io.cdcsentinel.config.ConfigException("--source", "--source '" + this.source
                    + "' is not one of auto, topics, snapshot");
        };
        Duration limit = io.cdcsentinel.config.ConfigKey.parseDuration(timeout);
        Backfill backfill = new Backfill(source, new Backfill.Options(window, choice, dryRun, apply, fromOffsets, limit,
                System.console() != null ? System.err : null), BackfillCommand::replay);
        Console.println("backfill " + window.id() + ": application id " + backfill.plan().applicationId() + ", work directory "
                + backfill.plan().workDir());
        Backfill.Result result = backfill.run();
        if (result.dryRun() != null) {
            Console.println(result.dryRun());
            return 0;
        }
        Console.println(result.report().summary());
        Console.println("report: " + backfill.plan().workDir().resolve("report.json"));
        return 0;
    }

    /** {@link Pipeline} as the backfill's {@link Replay}; public so that {@code bench} times the very adapter the command runs. */
    public static Replay replay(ConfigSource config, Map<String, Object> streamsOverrides) {
        Pipeline pipeline = Pipeline.fromConfig(config, streamsOverrides);
        return new Replay() {
            @Override
            public void start() {
                pipeline.start();
            }

            @Override
            public Optional<String> failure() {
                return pipeline.failure();
            }

            @Override
            public long sinkLagRecords() {
                return pipeline.sink().map(ClickHouseSink::lagRecords).orElse(0L);
            }

            @Override
            public long sinkRowsWritten() {
                return pipeline.sink().map(s -> s.progress().rowsWritten()).orElse(0L);
            }

            @Override
            public void close() {
                pipeline.close();
            }
        };
    }
}
