package io.cdcsentinel.cli;

import com.clickhouse.client.api.Client;
import io.cdcsentinel.config.CdcSettings;
import io.cdcsentinel.config.ClickHouseSettings;
import io.cdcsentinel.config.ConfigException;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.GapSettings;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.LabelSettings;
import io.cdcsentinel.config.PostgresSettings;
import io.cdcsentinel.config.RegistrySettings;
import io.cdcsentinel.config.SinkSettings;
import io.cdcsentinel.config.StreamsSettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.sink.LabelStore;
import io.cdcsentinel.sink.LabelTable;
import io.cdcsentinel.topology.gaps.HistoricGapTopology;
import io.cdcsentinel.topology.labels.ConversationLabelTopology;
import io.cdcsentinel.verify.PipelinePosition;
import io.cdcsentinel.verify.PositionReader;
import io.cdcsentinel.verify.Verification;
import io.cdcsentinel.verify.Verifier;
import io.cdcsentinel.verify.VerifyReport;
import io.cdcsentinel.verify.VerifyWindow;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bin/sentinel verify}: ClickHouse's labels and the gap topic's open alerts against PostgreSQL for a window of
 * business time. Exit 0 when nothing differs (in-flight items are not differences), 1 when something differs, 2 on
 * bad input or configuration, before anything is read.
 */
@Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Compares ClickHouse conversation_labels FINAL and the open alerts of scorecard-historic-gaps with"
                + " PostgreSQL (app.chats + app.chat_events, director.scorecards + historic.scorecard_scores) for"
                + " conversations and scorecards created in [--from, --to), pinned to the position the pipeline has"
                + " processed: differences PostgreSQL made after it are reported as in flight.",
                "Exit codes: 0 nothing differs, 1 differences, 2 bad input or configuration.",
                "Keys: postgres.*, clickhouse.*, kafka.bootstrap, registry.url, topics.*, streams.application.id,"
                        + " cdc.slot.name, sink.table, sink.layout, labels.settle.window, gaps.grace."})
public final class VerifyCommand implements Callable<Integer> {
    static final int EXIT_CONFIG = 2;

    @Mixin
    ConfigOption config = new ConfigOption();

    @Option(names = "--from", required = true, paramLabel = "T",
            description = "start of the window (inclusive): a date (2026-01-05 = midnight UTC) or an ISO instant")
    String from;

    @Option(names = "--to", required = true, paramLabel = "T", description = "end of the window (exclusive), same forms")
    String to;

    @Option(names = "--customer", paramLabel = "C", split = ",",
            description = "only this customer (repeatable, or comma-separated); default every customer")
    List<String> customers = new ArrayList<>();

    @Option(names = "--json", description = "print one JSON document instead of the tables")
    boolean json;

    @Option(names = "--limit", defaultValue = "20", paramLabel = "N",
            description = "differing rows listed (the counts are always complete); default ${DEFAULT-VALUE}")
    int limit;

    @Option(names = "--wait", defaultValue = "30", paramLabel = "SECONDS",
            description = "how long to wait for CDC, the topologies and the sink to reach the position pinned at start"
                    + " before comparing against what they reached; default ${DEFAULT-VALUE}")
    int waitSeconds;

    public static int execute(String... args) {
        return new CommandLine(new VerifyCommand()).execute(args);
    }

    @Override
    public Integer call() throws Exception {
        VerifyWindow window;
        try {
            window = new VerifyWindow(VerifyWindow.parseTime("--from", from), VerifyWindow.parseTime("--to", to),
                    customers.stream().map(String::trim).filter(c -> !c.isEmpty()).distinct().toList());
            if (limit < 0 || waitSeconds < 0) {
                throw new IllegalArgumentException("--limit and --wait must be >= 0");
            }
        } catch (IllegalArgumentException e) {
            Console.error("verify: " + e.getMessage());
            return EXIT_CONFIG;
        }
        long started = System.nanoTime();
        ConfigSource source;
        PostgresSettings postgres;
        ClickHouseSettings clickhouseSettings;
        KafkaSettings kafka;
        TopicNames topics;
        StreamsSettings streams;
        SinkSettings sink;
        LabelSettings labels;
        CdcSettings cdc;
        try {
            source = config.load();
            postgres = PostgresSettings.from(source);
            clickhouseSettings = ClickHouseSettings.from(source);
            kafka = KafkaSettings.from(source);
            topics = TopicNames.from(source);
            streams = StreamsSettings.from(source);
            sink = SinkSettings.from(source);
            labels = LabelSettings.from(source);
            GapSettings.from(source); // validated here, read by the comparison
            cdc = CdcSettings.from(source);
            RegistrySettings.from(source);
        } catch (ConfigException e) {
            Console.error("configuration error: " + e.getMessage());
            return EXIT_CONFIG;
        }
        LabelTable table = new LabelTable(clickhouseSettings.database(), sink.table(), sink.layout());
        try (Connection pg = connect(postgres); LabelStore clickhouse = new LabelStore(clickhouseSettings, table)) {
            checkClickHouse(clickhouseSettings, clickhouse, table);
            checkKafka(kafka);
            List<String> unknown = Verifier.unknownCustomers(pg, window.customers());
            if (!unknown.isEmpty()) {
                throw new ConfigException("--customer", "--customer " + String.join(", ", unknown) + ": no such customer in"
                        + " any source table (app.chats, app.chat_events, director.scorecards, director.scores,"
                        + " historic.scorecard_scores) of " + postgres.jdbcUrl() + "; customer ids are case-sensitive, drop"
                        + " the option to verify every customer");
            }
            PipelinePosition position = new PositionReader(pg, kafka.clientConfig(), cdc.slotName(), topics.cdcTopics(),
                    ConversationLabelTopology.applicationId(streams.applicationId()), Set.of(topics.chats(), topics.chatEvents()),
                    HistoricGapTopology.applicationId(streams.applicationId()),
                    Set.of(topics.scorecards(), topics.scores(), topics.historicScores(), topics.chats()), topics.labels(),
                    clickhouse, labels.settleWindow(), Duration.ofSeconds(waitSeconds), cdc.pollInterval()).read();
            VerifyReport report = Verification.compare(source, pg, clickhouse, window, position, limit, started);
            Console.println(json ? report.json() : report.text());
            return report.exitCode();
        } catch (ConfigException e) {
            Console.error("verify: " + e.getMessage());
            return EXIT_CONFIG;
        }
    }

    private static Connection connect(PostgresSettings postgres) {
        try {
            return postgres.connect();
        } catch (SQLException e) {
            throw new ConfigException(PostgresSettings.URL.name(), PostgresSettings.URL.name() + " (environment variable"
                    + " SENTINEL_POSTGRES_URL): cannot connect to " + postgres.jdbcUrl() + " as " + postgres.user() + ": "
                    + e.getMessage() + "; check the URL, postgres.user and postgres.password");
        }
    }

    private static void checkClickHouse(ClickHouseSettings settings, LabelStore clickhouse, LabelTable table) {
        boolean reachable;
        try (Client client = LabelStore.newClient(settings)) {
            reachable = client.ping(Math.max(500, settings.connectTimeout().toMillis()));
        } catch (RuntimeException e) {
            reachable = false;
        }
        if (!reachable) {
            throw new ConfigException(ClickHouseSettings.URL.name(), ClickHouseSettings.URL.name() + " (environment variable"
                    + " SENTINEL_CLICKHOUSE_URL): ClickHouse at " + settings.url() + " does not answer; check the URL and"
                    + " that the server is running");
        }
        if (clickhouse.query(table.describeTable()).isEmpty()) {
            throw new ConfigException(SinkSettings.TABLE.name(), "table " + table.qualifiedName() + " does not exist"
                    + " (clickhouse.database, sink.table): point them at the table the sink writes");
        }
    }

    private static void checkKafka(KafkaSettings kafka) throws InterruptedException {
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            admin.describeCluster().nodes().get(15, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new ConfigException(KafkaSettings.BOOTSTRAP.name(), KafkaSettings.BOOTSTRAP.name() + " (environment variable"
                    + " SENTINEL_KAFKA_BOOTSTRAP): no Kafka broker answers at " + kafka.bootstrap() + " (" + e + ")");
        }
    }
}
