package io.cdcsentinel.alerts;

import static io.cdcsentinel.alerts.AlertBuilders.T0;
import static io.cdcsentinel.alerts.AlertBuilders.alerting;
import static io.cdcsentinel.alerts.AlertBuilders.gap;
import static io.cdcsentinel.alerts.AlertBuilders.key;
import static io.cdcsentinel.alerts.AlertBuilders.rate;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cdcsentinel.alerts.example.ConfluentWireFormat;
import io.cdcsentinel.alerts.example.CustomerAlertsConsumer;
import io.cdcsentinel.avro.BucketSize;
import io.cdcsentinel.avro.GapEventType;
import io.cdcsentinel.avro.GapRate;
import io.cdcsentinel.avro.GapRateKey;
import io.cdcsentinel.avro.GapRateKind;
import io.cdcsentinel.avro.ScorecardGapEvent;
import io.cdcsentinel.avro.ScorecardGapKey;
import io.cdcsentinel.cli.Console;
import io.cdcsentinel.cli.Main;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.RegistrySettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.testing.StackExtension;
import io.cdcsentinel.testing.StackFixture;
import io.cdcsentinel.testing.TestStack;
import io.cdcsentinel.testing.TopicReader;
import io.cdcsentinel.topology.AvroSerdes;
import io.cdcsentinel.topology.OutputTopics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code bin/sentinel alerts} against the real Kafka and registry of the local stack, on topics of its own with two
 * partitions, written the way the topologies write them (the project's Avro serdes, transactions): gap events and
 * roll-ups in committed transactions, one OPENED in an aborted transaction (must never show), one undecodable record
 * (skipped, counted). Then {@code alerts open}, {@code rates} and {@code tail} through {@code Main.execute}, and the
 * README's example consumer and Confluent-wire-format recipe over the same records.
 */
@ExtendWith(StackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AlertsCommandIT {
    private static final Logger LOG = LoggerFactory.getLogger(AlertsCommandIT.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private ConfigSource config;
    private TopicNames topics;
    private Path configFile;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeAll
    void writeAlerts(StackFixture stack) throws IOException {
        config = stack.config(Map.of(KafkaSettings.TOPIC_PARTITIONS.name(), "2"));
        topics = TopicNames.from(config);
        OutputTopics.ensure(KafkaSettings.from(config), topics);
        configFile = propertiesFile(config);
        try (Writer writer = new Writer(config)) {
            writer.transaction(w -> {
                w.gap(gap("acme", "p1", "sc-1").setCreatedAt(T0.plusSeconds(20)).build());
                w.gap(gap("acme", "p1", "sc-2").build());
                w.gap(gap("acme", "p2", "sc-3").setConversationEnded(false).build());
                w.gap(gap("beta", "p1", "sc-4").build());
                w.gap(gap("beta", "p1", "sc-5").setConversationId(null).setProcessScorecard(true)
                        .setConversationExists(false).setConversationEnded(false).build());
                w.gap(gap("acme", "p1", "sc-7").build());
                w.rate(rate("acme", "p1", T0, BucketSize.HOUR).build());
                w.rate(alerting(rate("acme", "p1", T0, BucketSize.DAY), GapRateKind.ALERT_RAISED, 6));
                w.rate(rate("beta", "p1", T0, BucketSize.HOUR).build());
            });
            writer.transaction(w -> {
                w.gap(gap("acme", "p1", "sc-2").setEventType(GapEventType.RESOLVED).setHistoricRowCount(3).setOpenMillis(90_000L)
                        .build());
                w.gap(gap("beta", "p1", "sc-4").setEventType(GapEventType.WITHDRAWN).setWithdrawReason("APPEAL").build());
                w.tombstone(key(gap("acme", "p1", "sc-7").build()));
                w.rate(alerting(rate("acme", "p1", T0, BucketSize.HOUR), GapRateKind.ALERT_RAISED, 9));
                w.rate(alerting(rate("acme", "p1", T0, BucketSize.DAY), GapRateKind.ALERT_RESOLVED, 1));
                w.garbage(topics.gaps());
            });
            writer.aborted(w -> w.gap(gap("cola", "p1", "sc-6").build()));
        }
    }

    @BeforeEach
    void clearOutput() {
        out.reset(); // one instance for the class (PER_CLASS): each test reads its own output
        err.reset();
    }

    @AfterEach
    void restoreConsole() {
        Console.redirect(System.out, System.err);
    }

    @Test
    void shouldListExactlyTheOpenGapsAsATableWithACountPerCustomerAndProfile() throws IOException {
        assertThat(run("alerts", "open", "--config", configFile.toString())).as("exit code; stderr: %s", err()).isZero();

        String table = out();
        keep("alerts-open.txt", table);
        List<String> lines = table.lines().toList();
        assertThat(lines.get(0)).startsWith("customer  profile  scorecard  template  conversation  conv");
        assertThat(lines.subList(1, 4)).extracting(l -> l.split("\\s+")[2]).containsExactly("sc-1", "sc-3", "sc-5");
        assertThat(table).doesNotContain("sc-2", "sc-4", "sc-6", "sc-7")
                .contains("customer  profile  open", "3 open gaps in 3 customer/profiles");
        assertThat(err()).contains("alerts: 1 of ").contains("records were undecodable and skipped");
    }

    @Test
    void shouldPrintOneParsableJsonObjectPerOpenGapAndApplyTheFilters() throws IOException {
        assertThat(openIds()).containsExactly("sc-1", "sc-3", "sc-5");
        assertThat(openIds("--customer", "acme")).containsExactly("sc-1", "sc-3");
        assertThat(openIds("--customer", "acme", "--customer", "beta", "--profile", "p1")).containsExactly("sc-1", "sc-5");
        assertThat(openIds("--profile", "p2")).containsExactly("sc-3");
        assertThat(openIds("--customer", "cola")).as("the aborted transaction's OPENED").isEmpty();

        assertThat(openIds("--customer", "beta")).containsExactly("sc-5");
        JsonNode process = jsonLines(out()).get(0);
        assertThat(process.get("process_scorecard").asBoolean()).isTrue();
        assertThat(process.get("conversation_id").isNull()).isTrue();
        assertThat(process.get("event_type").asText()).isEqualTo("OPENED");
        assertThat(process.get("created_at").asText()).isEqualTo(T0.toString());
    }

    @Test
    void shouldShowTheBucketsWhoseLatestRollUpAlertsAndEveryBucketWithAll() throws IOException {
        assertThat(run("alerts", "rates", "--config", configFile.toString())).as("stderr: %s", err()).isZero();
        keep("alerts-rates.txt", out());
        assertThat(out()).contains("1 alerting bucket").contains("ALERT_RAISED").doesNotContain("DAY");

        out.reset();
        assertThat(run("alerts", "rates", "--all", "--json", "--config", configFile.toString())).isZero();
        List<JsonNode> all = jsonLines(out());
        assertThat(all).extracting(n -> n.get("customer").asText() + "/" + n.get("bucket_size").asText() + "/"
                + n.get("kind").asText() + "/" + n.get("alerting").asBoolean())
                .containsExactly("acme/HOUR/ALERT_RAISED/true", "acme/DAY/ALERT_RESOLVED/false", "beta/HOUR/ROLLUP/false");

        out.reset();
        assertThat(run("alerts", "rates", "--all", "--customer", "beta", "--json", "--config", configFile.toString())).isZero();
        assertThat(jsonLines(out())).extracting(n -> n.get("customer").asText()).containsExactly("beta");
    }

    @Test
    void shouldFollowFromTheEndAndPrintWhatIsCommittedAfterItStartedUntilStopped(StackFixture stack) throws Exception {
        // topics of its own: what it writes must not change what the other tests of this class read
        ConfigSource own = stack.config(Map.of(KafkaSettings.TOPIC_PARTITIONS.name(), "2"));
        OutputTopics.ensure(KafkaSettings.from(own), TopicNames.from(own));
        try (Writer writer = new Writer(own)) {
            writer.transaction(w -> w.gap(gap("acme", "p1", "sc-0").build())); // before it starts: not printed
        }
        Follower tail = Follower.start(this::runQuietly, "alerts", "tail", "--json", "--customer", "acme",
                "--config", propertiesFile(own).toString());
        await("tail is following").atMost(Duration.ofSeconds(30)).until(() -> tail.err().contains("(Ctrl-C to stop)"));
        assertThat(tail.out()).as("nothing from before it started").isEmpty();

        try (Writer writer = new Writer(own)) {
            writer.transaction(w -> {
                w.gap(gap("acme", "p1", "sc-8").build());
                w.gap(gap("beta", "p1", "sc-9").build()); // another customer
                w.rate(rate("acme", "p2", T0, BucketSize.HOUR).build()); // a plain roll-up: no transition
                w.rate(alerting(rate("acme", "p2", T0, BucketSize.DAY), GapRateKind.ALERT_RAISED, 5));
            });
            writer.aborted(w -> w.gap(gap("acme", "p1", "sc-10").build()));
        }
        await("tail prints the new gap and the rate transition").atMost(Duration.ofSeconds(30))
                .until(() -> tail.out().lines().count() >= 2);

        assertThat(tail.stop()).as("exit code once stopped").isZero();
        List<JsonNode> lines = jsonLines(tail.out());
        keep("alerts-tail.jsonl", tail.out());
        assertThat(lines).extracting(n -> n.get("record").asText() + ":" + (n.has("scorecard_id") ? n.get("scorecard_id").asText()
                : n.get("bucket_size").asText() + "/" + n.get("kind").asText()))
                .containsExactlyInAnyOrder("gap:sc-8", "rate:DAY/ALERT_RAISED"); // two topics: no order between them
    }

    @Test
    void shouldFollowFromTheBeginningInTextWhenAsked() throws Exception {
        Follower tail = Follower.start(this::runQuietly, "alerts", "tail", "--from-beginning", "--customer", "beta",
                "--config", configFile.toString());
        await("tail prints beta's history").atMost(Duration.ofSeconds(30)).until(() -> tail.out().contains("WITHDRAWN"));
        assertThat(tail.stop()).isZero();

        keep("alerts-tail.txt", tail.out());
        List<String> events = tail.out().lines().filter(l -> l.contains(" scorecard "))
                .map(l -> l.split("\\s+")[1] + " " + l.split("\\s+")[4]).toList();
        assertThat(events).containsExactlyInAnyOrder("OPENED sc-4", "OPENED sc-5", "WITHDRAWN sc-4");
        assertThat(events.indexOf("OPENED sc-4")).as("one key, one partition: in order").isLessThan(events.indexOf("WITHDRAWN sc-4"));
        assertThat(tail.out()).doesNotContain("acme/");
    }

    @Test
    void shouldNameTheTopicKeyWhenTheTopicDoesNotExist() throws IOException {
        Path missing = propertiesFile(config.with(Map.of(TopicNames.GAPS.name(), topics.gaps() + "-missing")));

        assertThat(run("alerts", "open", "--config", missing.toString(), "--timeout", "5s")).isEqualTo(1);

        assertThat(err()).contains("topic '" + topics.gaps() + "-missing' (topics.gaps) does not exist");
    }

    @Test
    void shouldLetTheReadmeExampleConsumerFollowItsOwnCustomer() {
        String registry = RegistrySettings.from(config).url().toString().replaceAll("/$", "");
        Properties consumerConfig = CustomerAlertsConsumer.config(KafkaSettings.from(config).bootstrap(), registry,
                "team-acme-" + UUID.randomUUID());
        try (CustomerAlertsConsumer acme = new CustomerAlertsConsumer(consumerConfig, topics.gaps(), "acme")) {
            await("the example consumer's open gaps").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                acme.poll(Duration.ofMillis(500));
                assertThat(acme.openGaps()).extracting(ScorecardGapEvent::getScorecardId).containsExactly("sc-3", "sc-1");
            });
        }
    }

    @Test
    void shouldWriteConfluentWireFormatWithoutHeadersThatTheCcompatRecipeDecodes() {
        ConfluentWireFormat wire = new ConfluentWireFormat(RegistrySettings.from(config).url().toString().replaceAll("/$", ""));
        Map<String, String> latest = new HashMap<>();
        List<ConsumerRecord<byte[], byte[]>> records = TopicReader.readAll(KafkaSettings.from(config).bootstrap(), topics.gaps(),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        int decoded = 0;
        for (ConsumerRecord<byte[], byte[]> r : records) {
            if (r.key()[0] != 0) {
                continue; // the test's undecodable record
            }
            assertThat(r.headers().toArray()).as("the serde writes no headers: the id is in the payload").isEmpty();
            GenericRecord key = wire.decode(r.key());
            String id = key.get("customer") + "/" + key.get("scorecard_id");
            if (r.value() == null) {
                latest.remove(id);
            } else {
                latest.put(id, wire.decode(r.value()).get("event_type").toString());
            }
            decoded++;
        }
        assertThat(decoded).isGreaterThanOrEqualTo(9);
        assertThat(latest.entrySet().stream().filter(e -> e.getValue().equals("OPENED")).map(Map.Entry::getKey)
                .collect(Collectors.toSet()))
                .isEqualTo(Set.of("acme/sc-1", "acme/sc-3", "beta/sc-5"));
    }

    private List<String> openIds(String... filters) throws IOException {
        out.reset();
        List<String> args = new ArrayList<>(List.of("alerts", "open", "--json", "--config", configFile.toString()));
        args.addAll(List.of(filters));
        assertThat(run(args.toArray(String[]::new))).as("stderr: %s", err()).isZero();
        return jsonLines(out()).stream().map(n -> n.get("scorecard_id").asText()).toList();
    }

    private static List<JsonNode> jsonLines(String output) throws IOException {
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : output.lines().toList()) {
            nodes.add(JSON.readTree(line));
        }
        return nodes;
    }

    private int run(String... args) {
        Console.redirect(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return Main.execute(args);
        } finally {
            Console.redirect(System.out, System.err);
        }
    }

    /** For a follower on its own thread: Console is one static place, so the follower owns it while it runs. */
    private int runQuietly(ByteArrayOutputStream followerOut, ByteArrayOutputStream followerErr, String... args) {
        Console.redirect(new PrintStream(followerOut, true, StandardCharsets.UTF_8),
                new PrintStream(followerErr, true, StandardCharsets.UTF_8));
        return Main.execute(args);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** The output of a run, for the README; under target/, next to the servers' logs. */
    private static void keep(String name, String output) throws IOException {
        Path file = TestStack.targetDir().resolve("alerts-command-it").resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, output);
        LOG.info("{}:\n{}", name, output);
    }

    private static Path propertiesFile(ConfigSource config) throws IOException {
        Properties properties = new Properties();
        properties.putAll(config.withPrefix(""));
        Path file = Files.createTempFile(TestStack.targetDir(), "alerts-", ".properties");
        try (var writer = Files.newBufferedWriter(file)) {
            properties.store(writer, "AlertsCommandIT");
        }
        return file;
    }

    /** {@code alerts tail} on a thread of its own, stopped by interrupting it (as a signal would wake it up). */
    private record Follower(Thread thread, AtomicInteger exit, ByteArrayOutputStream outBytes, ByteArrayOutputStream errBytes) {
        interface Command {
            int run(ByteArrayOutputStream out, ByteArrayOutputStream err, String... args);
        }

        static Follower start(Command command, String... args) {
            AtomicInteger exit = new AtomicInteger(-1);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread thread = new Thread(() -> exit.set(command.run(out, err, args)), "alerts-tail-under-test");
            thread.start();
            return new Follower(thread, exit, out, err);
        }

        String out() {
            return outBytes.toString(StandardCharsets.UTF_8);
        }

        String err() {
            return errBytes.toString(StandardCharsets.UTF_8);
        }

        int stop() throws InterruptedException {
            thread.interrupt();
            thread.join(Duration.ofSeconds(20).toMillis());
            assertThat(thread.isAlive()).as("tail stopped").isFalse();
            Console.redirect(System.out, System.err);
            return exit.get();
        }
    }

    /** Writes alert records as the topologies do: the project's serdes, one transaction at a time. */
    private static final class Writer implements AutoCloseable {
        private final TopicNames topics;
        private final KafkaProducer<byte[], byte[]> producer;
        private final Serializer<ScorecardGapKey> gapKeys;
        private final Serializer<ScorecardGapEvent> gapValues;
        private final Serializer<GapRateKey> rateKeys;
        private final Serializer<GapRate> rateValues;

        Writer(ConfigSource config) {
            topics = TopicNames.from(config);
            AvroSerdes avro = new AvroSerdes(RegistrySettings.from(config));
            gapKeys = avro.forKeys(ScorecardGapKey.class).serializer();
            gapValues = avro.forValues(ScorecardGapEvent.class).serializer();
            rateKeys = avro.forKeys(GapRateKey.class).serializer();
            rateValues = avro.forValues(GapRate.class).serializer();
            Map<String, Object> producerConfig = KafkaSettings.from(config).clientConfig();
            producerConfig.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "alerts-it-" + UUID.randomUUID());
            producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer());
            producer.initTransactions();
        }

        void transaction(Consumer<Writer> records) {
            producer.beginTransaction();
            records.accept(this);
            producer.commitTransaction();
        }

        void aborted(Consumer<Writer> records) {
            producer.beginTransaction();
            records.accept(this);
            producer.flush();
            producer.abortTransaction();
        }

        void gap(ScorecardGapEvent event) {
            RecordHeaders headers = new RecordHeaders(); // would receive the serde's headers, were they enabled
            producer.send(new ProducerRecord<>(topics.gaps(), null, gapKeys.serialize(topics.gaps(), headers, key(event)),
                    gapValues.serialize(topics.gaps(), headers, event), headers));
        }

        void tombstone(ScorecardGapKey key) {
            producer.send(new ProducerRecord<>(topics.gaps(), gapKeys.serialize(topics.gaps(), key), null));
        }

        void rate(GapRate rate) {
            RecordHeaders headers = new RecordHeaders();
            producer.send(new ProducerRecord<>(topics.gapRates(), null, rateKeys.serialize(topics.gapRates(), headers, key(rate)),
                    rateValues.serialize(topics.gapRates(), headers, rate), headers));
        }

        void garbage(String topic) {
            producer.send(new ProducerRecord<>(topic, "junk".getBytes(StandardCharsets.UTF_8), "junk".getBytes(StandardCharsets.UTF_8)));
        }

        @Override
        public void close() {
            producer.close();
        }
    }
}
