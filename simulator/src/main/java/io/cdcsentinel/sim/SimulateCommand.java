package io.cdcsentinel.sim;

import io.cdcsentinel.cli.ConfigOption;
import io.cdcsentinel.cli.Console;
import io.cdcsentinel.cli.ExtraCommand;
import io.cdcsentinel.config.ConfigException;
import io.cdcsentinel.config.ConfigKey;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.PostgresSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bin/sentinel simulate}: writes the incidents of domain.md into the source PostgreSQL, reproducibly. */
@Command(name = "simulate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Write a realistic workload into the source PostgreSQL over JDBC, one transaction per API call (create"
                    + " = scorecard + scores, the async historic write, submit, each chat change and event), so"
                    + " everything downstream sees it through Debezium. The same --seed writes the same rows.",
            "Scenarios (combine with commas, weight with :N): "
                    + "steady (healthy traffic), async-race (historic writes lost, late, or lost to the submit race),"
                    + " batch-hour (tens of thousands of unsubmitted scorecards in one hour, ~99%% lost),"
                    + " appeals-calibration (appeals 1-3, calibration copies, process scorecards, deletes),"
                    + " reassign (conversations changed before and after ended_at, reopened, late events, handoff +"
                    + " resolved).",
            "Timestamps derive from --start, not from the clock. With --rate the writes also happen at their"
                    + " simulated offsets (1 s = 1 s), so delays are real for the pipeline's timers."})
public final class SimulateCommand implements Callable<Integer>, ExtraCommand {
    @Mixin
    ConfigOption config;

    @Option(names = "--seed", defaultValue = "1", description = "the same seed writes the same rows; default ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--scenario", paramLabel = "NAME[:WEIGHT],...",
            defaultValue = "steady:4,async-race:3,appeals-calibration:1,reassign:2",
            description = "scenarios and their weights; default ${DEFAULT-VALUE}")
    String scenarios;

    @Option(names = "--count", paramLabel = "N",
            description = "stories of the non-batch scenarios (default 1000, or unlimited with --duration)")
    Long count;

    @Option(names = "--duration", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "stop starting stories after this long (started ones always complete)")
    Duration duration;

    @Option(names = "--rate", paramLabel = "STORIES/S", defaultValue = "0",
            description = "stories per second, writes paced on the wall clock; 0 = as fast as possible (default)")
    double rate;

    @Option(names = "--row-rate", paramLabel = "ROWS/S", defaultValue = "0",
            description = "alternatively, a limit in rows per second; 0 = none (default)")
    double rowRate;

    @Option(names = "--customers", defaultValue = "4", description = "customers (weighted 1/k); default ${DEFAULT-VALUE}")
    int customers;

    @Option(names = "--profiles", defaultValue = "2", description = "profiles per customer; default ${DEFAULT-VALUE}")
    int profiles;

    @Option(names = "--start", paramLabel = "INSTANT|now", defaultValue = "2025-01-21T00:00:00Z",
            description = "simulated time of the first story (ISO-8601, or now); default ${DEFAULT-VALUE}")
    String start;

    @Option(names = "--interval", converter = DurationConverter.class, defaultValue = "1s",
            description = "simulated time between story starts without --rate; default ${DEFAULT-VALUE}")
    Duration interval;

    @Option(names = "--drop-fraction", defaultValue = "0.30",
            description = "async-race: historic writes that never happen; default ${DEFAULT-VALUE}")
    double dropFraction;

    @Option(names = "--race-share", defaultValue = "0.30",
            description = "async-race: part of those lost to the submit-before-create-write race; default ${DEFAULT-VALUE}")
    double raceShare;

    @Option(names = "--late-fraction", defaultValue = "0.05",
            description = "async-race: historic writes that happen --late-delay late; default ${DEFAULT-VALUE}")
    double lateFraction;

    @Option(names = "--late-delay", converter = DurationConverter.class, defaultValue = "6m",
            description = "how late; also when deletes follow a lost write; default ${DEFAULT-VALUE}")
    Duration lateDelay;

    @Option(names = "--conversation-length", converter = DurationConverter.class, defaultValue = "30s",
            description = "mean conversation length (x0.5 to x1.5); default ${DEFAULT-VALUE}")
    Duration conversationLength;

    @Option(names = "--review-delay", converter = DurationConverter.class, defaultValue = "10s",
            description = "mean time from a conversation's end to its scorecards; default ${DEFAULT-VALUE}")
    Duration reviewDelay;

    @Option(names = "--submit-delay", converter = DurationConverter.class, defaultValue = "20s",
            description = "mean time from creation to submission; default ${DEFAULT-VALUE}")
    Duration submitDelay;

    @Option(names = "--reassign-delay", converter = DurationConverter.class, defaultValue = "60s",
            description = "reassign: mean time from the end to a re-assignment; default ${DEFAULT-VALUE}")
    Duration reassignDelay;

    @Option(names = "--batch-size", defaultValue = "27580",
            description = "batch-hour: scorecards per batch; default ${DEFAULT-VALUE}")
    int batchSize;

    @Option(names = "--batch-window", converter = DurationConverter.class, defaultValue = "1h",
            description = "batch-hour: over how long a batch is created; default ${DEFAULT-VALUE}")
    Duration batchWindow;

    @Option(names = "--batch-loss", defaultValue = "0.99",
            description = "batch-hour: historic writes lost; default ${DEFAULT-VALUE}")
    double batchLoss;

    @Option(names = "--batches", defaultValue = "1", description = "batch-hour: number of batches; default ${DEFAULT-VALUE}")
    int batches;

    @Option(names = "--batch-at", converter = DurationConverter.class, defaultValue = "0s",
            description = "batch-hour: first batch, from --start; default ${DEFAULT-VALUE}")
    Duration batchAt;

    @Option(names = "--batch-every", converter = DurationConverter.class, defaultValue = "1d",
            description = "batch-hour: between batches; default ${DEFAULT-VALUE}")
    Duration batchEvery;

    @Option(names = "--connections", defaultValue = "2",
            description = "JDBC connections writing in parallel; default ${DEFAULT-VALUE}")
    int connections;

    @Option(names = "--pipeline", defaultValue = "1",
            description = "transactions per round trip (each keeps its BEGIN/COMMIT): helps against a remote"
                    + " database; default ${DEFAULT-VALUE}")
    int pipeline;

    @Option(names = "--truth", paramLabel = "FILE",
            description = "write the expected open gaps, labels and rates (JSON Lines) to FILE")
    Path truth;

    @Option(names = "--progress", converter = DurationConverter.class, defaultValue = "10s",
            description = "print progress this often (0 = never); default ${DEFAULT-VALUE}")
    Duration progress;

    @Override
    public Integer call() throws Exception {
        WorkloadSpec spec;
        try {
            spec = spec();
        } catch (IllegalArgumentException e) {
            Console.error("simulate: " + e.getMessage());
            return 2;
        }
        PostgresSettings postgres = PostgresSettings.from(config.load());
        Simulator simulator = new Simulator(postgres, spec).truthFile(truth);
        if (!progress.isZero()) {
            simulator.progress(progress, Console::println);
        }
        CountDownLatch done = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            simulator.stop();
            try {
                done.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "sentinel-simulate-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        Console.println("simulate: " + postgres.jdbcUrl() + ", seed " + spec.seed() + ", " + scenarios
                + (spec.count() >= 0 ? ", " + spec.count() + " stories" : "")
                + (spec.duration() != null ? ", for " + duration : "")
                + (spec.rate() > 0 ? ", " + spec.rate() + " stories/s" : spec.rowRate() > 0 ? ", " + spec.rowRate()
                        + " rows/s" : ", as fast as possible"));
        try {
            SimulationSummary summary = simulator.run();
            summary.lines().forEach(Console::println);
            if (truth != null) {
                Console.println("truth: " + truth.toAbsolutePath());
            }
            return 0;
        } catch (SimulationException e) {
            Console.error("simulate failed: " + e.getMessage());
            return 1;
        } finally {
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down: the hook is running and returns now that we are done
            }
        }
    }

    WorkloadSpec spec() {
        return WorkloadSpec.builder().seed(seed).mix(parseMix(scenarios))
                .count(count != null ? count : duration != null ? -1 : 1000).duration(duration).rate(rate)
                .rowRate(rowRate).customers(customers).profiles(profiles).start(parseStart(start)).interval(interval)
                .dropFraction(dropFraction).raceShare(raceShare).lateFraction(lateFraction).lateDelay(lateDelay)
                .conversationLength(conversationLength).reviewDelay(reviewDelay).submitDelay(submitDelay)
                .reassignDelay(reassignDelay).batchSize(batchSize).batchWindow(batchWindow).batchLoss(batchLoss)
                .batches(batches).batchAt(batchAt).batchEvery(batchEvery).connections(connections).pipeline(pipeline)
                .build();
    }

    static Map<Scenario, Integer> parseMix(String text) {
        Map<Scenario, Integer> mix = new LinkedHashMap<>();
        for (String part : text.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            String[] nameWeight = part.trim().split(":", 2);
            int weight;
            try {
                weight = nameWeight.length == 2 ? Integer.parseInt(nameWeight[1].trim()) : 1;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--scenario " + part.trim() + ": the weight must be an integer >= 1");
            }
            mix.merge(Scenario.parse(nameWeight[0]), weight, Integer::sum);
        }
        return mix;
    }

    static Instant parseStart(String text) {
        if (text.equalsIgnoreCase("now")) {
            return Instant.now().truncatedTo(ChronoUnit.MICROS);
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("--start '" + text + "': expected an ISO-8601 instant such as"
                    + " 2025-01-21T00:00:00Z, or now");
        }
    }

    /** Durations as every configuration key takes them: 500ms, 30s, 5m, 2h, 7d or ISO-8601. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return ConfigKey.duration("duration", "").read(ConfigSource.of(Map.of("duration", value)));
            } catch (ConfigException e) {
                throw new CommandLine.TypeConversionException("'" + value
                        + "' is not a duration: expected e.g. 500ms, 30s, 5m, 2h, 7d or PT5M");
            }
        }
    }
}
