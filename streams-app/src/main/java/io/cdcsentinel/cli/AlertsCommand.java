package io.cdcsentinel.cli;

import io.cdcsentinel.alerts.AlertFilter;
import io.cdcsentinel.alerts.AlertFormat;
import io.cdcsentinel.alerts.AlertRecord;
import io.cdcsentinel.alerts.AlertState;
import io.cdcsentinel.alerts.AlertsUnavailableException;
import io.cdcsentinel.alerts.AlertsView;
import io.cdcsentinel.avro.GapRate;
import io.cdcsentinel.avro.GapRateKind;
import io.cdcsentinel.avro.ScorecardGapEvent;
import io.cdcsentinel.config.ConfigKey;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.RegistrySettings;
import io.cdcsentinel.config.TopicNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bin/sentinel alerts open|rates|tail}: the alert topics for on-call engineers, read as a consumer reads
 * them ({@link AlertsView}: {@code read_committed}, no consumer group). {@code open} and {@code rates} read up to
 * the end offsets of the moment they start and exit 0; {@code tail} follows until SIGINT/SIGTERM (exit 0). Kafka,
 * the registry or a topic that cannot be reached exits 1 within {@code --timeout}, naming the key to check; a
 * configuration error exits 2; a bad option is picocli's usage error (2).
 */
@Command(name = "alerts", mixinStandardHelpOptions = true,
        description = "Reads the alert topics: open gaps, alerting rate buckets, follow mode.",
        subcommands = {AlertsCommand.Open.class, AlertsCommand.Rates.class, AlertsCommand.Tail.class})
public final class AlertsCommand implements Runnable {
    static final int EXIT_UNAVAILABLE = 1;

    @Override
    public void run() {
        Console.println(new CommandLine(this).getUsageMessage());
    }

    /** What every subcommand takes. */
    static final class Options {
        @Mixin
        ConfigOption config = new ConfigOption();

        @Option(names = "--customer", paramLabel = "C", description = "only this customer (repeatable: any of them)")
        List<String> customers = new ArrayList<>();

        @Option(names = "--profile", paramLabel = "P", description = "only this profile")
        String profile;

        @Option(names = "--json", description = "one JSON object per line (JSON Lines) instead of a table")
        boolean json;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "15s", converter = DurationConverter.class,
                description = "longest wait for Kafka (metadata, end offsets, a read that makes no progress); default ${DEFAULT-VALUE}")
        Duration timeout;

        AlertFilter filter() {
            return new AlertFilter(Set.copyOf(customers), Optional.ofNullable(profile));
        }

        AlertsView open(AlertsView.Start start) {
            ConfigSource source = config.load();
            return AlertsView.open(KafkaSettings.from(source), RegistrySettings.from(source), TopicNames.from(source), start,
                    timeout);
        }
    }

    @Command(name = "open", mixinStandardHelpOptions = true, header = "The open gaps: latest event per scorecard is OPENED.",
            description = {"Reads topics.gaps (scorecard-historic-gaps) from the beginning up to its end offsets at start,",
                    "keeps the latest event per scorecard and lists those whose latest event is OPENED, by customer,",
                    "profile and creation time, with the count per customer/profile.",
                    "Keys: kafka.bootstrap, registry.url, topics.gaps, topics.gap-rates, kafka.client.*, serde.avro.*."})
    static final class Open implements Callable<Integer> {
        @Mixin
        Options options;

        @Override
        public Integer call() {
            return readBounded(options, state -> {
                List<ScorecardGapEvent> gaps = state.openGaps(options.filter());
                return options.json ? gaps.stream().map(AlertFormat::json).toList() : AlertFormat.gapTable(gaps);
            });
        }
    }

    @Command(name = "rates", mixinStandardHelpOptions = true, header = "The rate buckets whose latest roll-up alerts.",
            description = {"Reads topics.gap-rates (scorecard-historic-gap-rates) up to its end offsets at start and lists",
                    "the latest roll-up of each bucket that is alerting (--all: every bucket)."})
    static final class Rates implements Callable<Integer> {
        @Mixin
        Options options;

        @Option(names = "--all", description = "every bucket, not only the alerting ones")
        boolean all;

        @Override
        public Integer call() {
            return readBounded(options, state -> {
                List<GapRate> rates = state.rates(options.filter(), all);
                return options.json ? rates.stream().map(AlertFormat::json).toList()
                        : AlertFormat.rateTable(rates, all ? "buckets" : "alerting buckets");
            });
        }
    }

    @Command(name = "tail", mixinStandardHelpOptions = true, header = "Follow: every new gap event and rate alert transition.",
            description = {"Prints every gap event (OPENED, RESOLVED, WITHDRAWN) and every roll-up where a bucket starts",
                    "(ALERT_RAISED) or stops (ALERT_RESOLVED) alerting, as it is committed, until Ctrl-C."})
    static final class Tail implements Callable<Integer> {
        @Mixin
        Options options;

        @Option(names = "--from-beginning", description = "start at the beginning of the topics instead of their end")
        boolean fromBeginning;

        @Override
        public Integer call() {
            AlertFilter filter = options.filter();
            AlertsView view;
            try {
                view = options.open(fromBeginning ? AlertsView.Start.BEGINNING : AlertsView.Start.END);
            } catch (AlertsUnavailableException e) {
                Console.error("alerts: " + e.getMessage());
                return EXIT_UNAVAILABLE;
            }
            CountDownLatch closed = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                view.wakeup();
                try {
                    closed.await(10, TimeUnit.SECONDS); // let the consumer close before the JVM goes
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "alerts-tail-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            boolean interrupted = false;
            try {
                Console.error("alerts: following " + view.endOffsets().keySet().stream().map(tp -> tp.topic()).distinct().toList()
                        + (fromBeginning ? " from the beginning" : " from the end") + " (Ctrl-C to stop)");
                while (true) {
                    for (AlertRecord record : view.poll(Duration.ofMillis(500))) {
                        line(record, filter).ifPresent(Console::println);
                    }
                }
            } catch (WakeupException e) {
                // SIGINT/SIGTERM
            } catch (InterruptException e) {
                // the thread running the command was interrupted (a caller stopping it): close as on a signal
                interrupted = Thread.interrupted();
            } catch (AlertsUnavailableException e) {
                Console.error("alerts: " + e.getMessage());
                return EXIT_UNAVAILABLE;
            } finally {
                view.close();
                closed.countDown();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // the JVM is shutting down: the hook is running
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            if (view.undecodable() > 0) {
                Console.error("alerts: " + view.undecodable() + " undecodable records skipped (logged with their position)");
            }
            return 0;
        }

        private Optional<String> line(AlertRecord record, AlertFilter filter) {
            if (!filter.matches(record.customer(), record.profile())) {
                return Optional.empty();
            }
            if (record instanceof AlertRecord.Gap gap && gap.event() != null) {
                return Optional.of(options.json ? AlertFormat.json(gap.event()) : AlertFormat.gapLine(gap.event()));
            }
            if (record instanceof AlertRecord.Rate rate && rate.rate() != null && rate.rate().getKind() != GapRateKind.ROLLUP) {
                return Optional.of(options.json ? AlertFormat.json(rate.rate()) : AlertFormat.rateLine(rate.rate()));
            }
            return Optional.empty(); // tombstones, plain roll-ups
        }
    }

    private static int readBounded(Options options, java.util.function.Function<AlertState, List<String>> render) {
        try (AlertsView view = options.open(AlertsView.Start.BEGINNING)) {
            AlertState state = view.readToEnd();
            render.apply(state).forEach(Console::println);
            if (view.undecodable() > 0) {
                Console.error("alerts: " + view.undecodable() + " of " + view.records()
                        + " records were undecodable and skipped (logged with their position)");
            }
            return 0;
        } catch (AlertsUnavailableException e) {
            Console.error("alerts: " + e.getMessage());
            return EXIT_UNAVAILABLE;
        }
    }

    /** Durations as the configuration writes them: 500ms, 30s, 5m, PT5M. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                Duration d = ConfigKey.parseDuration(value);
                if (d.isNegative() || d.isZero()) {
                    throw new CommandLine.TypeConversionException("'" + value + "' is not a positive duration");
                }
                return d;
            } catch (IllegalArgumentException | java.time.format.DateTimeParseException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a duration such as 500ms, 30s, 5m or PT5M");
            }
        }
    }
}
