package io.cdcsentinel.bench;

import io.cdcsentinel.cli.ConfigOption;
import io.cdcsentinel.cli.Console;
import io.cdcsentinel.cli.ExtraCommand;
import io.cdcsentinel.config.ConfigException;
import io.cdcsentinel.config.ConfigKey;
import io.cdcsentinel.config.ConfigReference;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.local.Endpoints;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bin/sentinel bench}: throughput, latency and memory, each against a baseline measured in the same run. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false, subcommands = VerifyBenchCommand.class,
        description = {
            "Start a local stack, write a workload with the simulator, and measure each stage against a baseline"
                    + " doing the least possible work on the same input in the same run: the CDC runner against a"
                    + " bare Debezium engine, the topologies against an identity map+to application (both"
                    + " exactly_once_v2), then heap and state with the topologies loaded.",
            "Prints a Markdown table and writes it with a PNG chart into --results. Scale 1 (about 100,000"
                    + " scorecards, 30,000 conversations) takes a few minutes on 2 cores.",
            "`bench verify` measures verify's comparison alone (1M conversations by default)."})
public final class BenchCommand implements Callable<Integer>, ExtraCommand {
    /** The figures {@code --only} measures alone. */
    static final java.util.List<String> ONLY = java.util.List.of("sink", "backfill");

    @Option(names = "--scale", defaultValue = "1",
            description = "workload size: 1 = ~100k scorecards / 30k conversations; 10 = 1M / 300k; default ${DEFAULT-VALUE}")
    double scale;

    @Option(names = "--seed", defaultValue = "1", description = "simulator seed; default ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--rounds", defaultValue = "2",
            description = "alternating rounds of each comparison (the best of each side is reported); default ${DEFAULT-VALUE}")
    int rounds;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "${java.io.tmpdir}/sentinel-bench",
            description = "working directory: the local stack and the Streams state; default ${DEFAULT-VALUE}")
    Path dir;

    @Option(names = "--results", paramLabel = "DIR", defaultValue = "results",
            description = "where bench.md and bench.png are written; default ${DEFAULT-VALUE}")
    Path results;

    @Option(names = "--endpoints", paramLabel = "FILE",
            description = "use the running stack of this endpoints.env (from `stack up`) instead of starting one")
    Path endpoints;

    @Option(names = "--keep-stack", description = "leave the stack this run started running")
    boolean keepStack;

    @Option(names = "--only", paramLabel = "FIGURE",
            description = "measure one figure alone and print it, without writing --results; `sink`: the ClickHouse sink"
                    + " against raw INSERTs of the same rows (needs --endpoints; the rows follow --scale); `backfill`: the"
                    + " workload, the CDC runner once, the topologies' replay (--rounds after a warm-up), then the backfill"
                    + " from the CDC topics and from a re-snapshot against it (needs --endpoints)")
    String only;

    @Option(names = "--set", paramLabel = "KEY=VALUE", mapFallbackValue = "",
            description = "a setting of the topologies and the sink under test (a key of `config`), repeatable, e.g."
                    + " --set gaps.score-index.enabled=false; the stack's endpoints and the bench's own settings (grace,"
                    + " settle window, threads, topic names) stay as they are")
    Map<String, String> settings = new TreeMap<>();

    @Override
    public Integer call() throws Exception {
        if (scale <= 0 || rounds < 1) {
            Console.error("bench: --scale must be > 0 and --rounds >= 1");
            return 2;
        }
        Map<String, ConfigKey<?>> known = ConfigReference.all().stream()
                .collect(Collectors.toMap(ConfigKey::name, Function.identity()));
        for (String key : settings.keySet()) {
            if (!known.containsKey(key)) {
                Console.error("bench: --set " + key + ": not a configuration key (`bin/sentinel config` lists them)");
                return 2;
            }
            try {
                // checked now rather than minutes later, when the first topology starts
                known.get(key).read(ConfigSource.of(settings));
            } catch (ConfigException e) {
                Console.error("bench: --set " + e.getMessage());
                return 2;
            }
        }
        if (only != null) {
            return only();
        }
        StringBuilder command = new StringBuilder("bin/sentinel bench --scale " + BenchFormat.scale(scale) + " --rounds "
                + rounds + " --seed " + seed);
        new TreeMap<>(settings).forEach((k, v) -> command.append(" --set ").append(k).append('=').append(v));
        Bench bench = new Bench(new Bench.Options(scale, seed, rounds, dir, endpoints == null ? null
                : Endpoints.read(endpoints), keepStack, command.toString(), Map.copyOf(settings)), Console::println);
        BenchReport report = bench.run();
        Console.println("");
        Console.println(report.markdown());
        report.write(results);
        Console.println("bench: wrote " + results.resolve(BenchReport.MARKDOWN) + " and "
                + results.resolve(BenchReport.CHART));
        long missed = report.figures().stream().filter(f -> Boolean.FALSE.equals(f.goalMet())).count();
        if (missed > 0) {
            Console.println("bench: " + missed + " goal(s) not met: "
                    + report.figures().stream().filter(f -> Boolean.FALSE.equals(f.goalMet())).map(Figure::name).toList());
        }
        return 0;
    }

    private int only() throws Exception {
        if (!ONLY.contains(only)) {
            Console.error("bench: --only " + only + ": unknown figure; known: " + String.join(", ", ONLY));
            return 2;
        }
        if (endpoints == null) {
            Console.error("bench: --only " + only + " needs --endpoints FILE (from `bin/sentinel stack up --dir DIR`)");
            return 2;
        }
        if ("backfill".equals(only)) {
            return backfillOnly();
        }
        String database = "bench_sink_" + System.currentTimeMillis();
        Map<String, String> config = new java.util.HashMap<>(settings);
        config.putAll(Endpoints.read(endpoints).asConfig());
        config.put(io.cdcsentinel.config.ClickHouseSettings.DATABASE.name(), database);
        ConfigSource source = ConfigSource.of(config);
        try {
            SinkBenchmark.Result r = Bench.sinkFigure(source, scale, rounds, Console::println);
            Console.println("ClickHouse sink: Kafka -> ClickHouse: " + r.summary());
        } finally {
            io.cdcsentinel.local.ClickHouseServer.execute(Endpoints.read(endpoints).clickhouse().orElseThrow(),
                    "DROP DATABASE IF EXISTS " + database);
        }
        return 0;
    }

    /** {@code --only backfill}: printed, not written into --results (the full bench's table stays the last full run's). */
    private int backfillOnly() throws Exception {
        StringBuilder command = new StringBuilder("bin/sentinel bench --only backfill --scale " + BenchFormat.scale(scale)
                + " --rounds " + rounds + " --seed " + seed + " --endpoints " + endpoints);
        new TreeMap<>(settings).forEach((k, v) -> command.append(" --set ").append(k).append('=').append(v));
        Bench bench = new Bench(new Bench.Options(scale, seed, rounds, dir, Endpoints.read(endpoints), true,
                command.toString(), Map.copyOf(settings)), Console::println);
        BenchReport report = bench.backfillOnly();
        Console.println("");
        Console.println(report.markdown());
        return 0;
    }

    /** Formatting of the command line as it is echoed into the report. */
    static final class BenchFormat {
        private BenchFormat() {
        }

        static String scale(double s) {
            return s == Math.rint(s) ? Long.toString((long) s) : Double.toString(s);
        }
    }
}
