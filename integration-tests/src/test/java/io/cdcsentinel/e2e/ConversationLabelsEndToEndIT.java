package io.cdcsentinel.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.QueryResponse;
import com.clickhouse.client.api.query.QuerySettings;
import com.clickhouse.data.ClickHouseFormat;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cdcsentinel.avro.ConversationLabel;
import io.cdcsentinel.avro.ConversationLabelKey;
import io.cdcsentinel.avro.LabelKind;
import io.cdcsentinel.cdc.CdcRunner;
import io.cdcsentinel.cli.Pipeline;
import io.cdcsentinel.config.CdcSettings;
import io.cdcsentinel.config.ClickHouseSettings;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.LabelSettings;
import io.cdcsentinel.config.PostgresSettings;
import io.cdcsentinel.config.RegistrySettings;
import io.cdcsentinel.config.SinkSettings;
import io.cdcsentinel.config.StreamsSettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.sim.Scenario;
import io.cdcsentinel.sim.SimulationSummary;
import io.cdcsentinel.sim.Simulator;
import io.cdcsentinel.sim.Truth;
import io.cdcsentinel.sim.Truth.ConversationKey;
import io.cdcsentinel.sim.WorkloadSpec;
import io.cdcsentinel.sink.ClickHouseSink;
import io.cdcsentinel.sink.LabelStore;
import io.cdcsentinel.sink.LabelTable;
import io.cdcsentinel.testing.StackExtension;
import io.cdcsentinel.testing.StackFixture;
import io.cdcsentinel.testing.TopicReader;
import io.cdcsentinel.registry.SchemaRegistration;
import io.cdcsentinel.topology.AvroSerdes;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 4 end to end, every process boundary real: the simulator writes PostgreSQL, {@link CdcRunner} (Debezium
 * embedded) captures it into Kafka, {@link Pipeline} (what {@code bin/sentinel run} runs: the label topology with
 * {@code exactly_once_v2} and the ClickHouse sink, registry-aware Avro in between) writes ClickHouse 18.16.
 *
 * <p>One live run feeds every test (it is the expensive part): a few hundred conversations written before the
 * connector's first start (they arrive as snapshot reads), then a paced workload of {@code reassign} and
 * {@code steady} stories, so that the changes after {@code ended_at} (late assist event, reassignment,
 * reclassification, reopen and new end) are committed seconds after the end, past the settle window, as they
 * are in production. The run crosses midnight, so "active days" has more than one day to count. Two sinks read
 * the same label topic: the pipeline's own into the replacing layout (merges stopped before anything is written,
 * so physical rows can be counted) and a second one in {@code sink.layout=legacy}.
 *
 * <p>Quiescence is never a sleep: the tests wait until the label topic and both tables satisfy the oracle and have
 * not changed for {@link #QUIET} (longer than the settle window plus the wall-clock fallback's idle time).
 *
 * <p>The CDC topics have two partitions (the label topic two as well; {@code -De2e.cdc.partitions=1} for one): the
 * conversation task then reads its repartition topic from two upstream tasks that progress independently, and the
 * replay below shows that the labels do not depend on how they interleaved (same labels, same versions).
 */
@ExtendWith(StackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConversationLabelsEndToEndIT {
    private static final Logger LOG = LoggerFactory.getLogger(ConversationLabelsEndToEndIT.class);

    static final Duration SETTLE = Duration.ofSeconds(1);
    static final Duration FALLBACK_IDLE = Duration.ofSeconds(3);
    /** Unchanged for this long = quiet: above settle + fallback idle + the sink's linger. */
    static final Duration QUIET = Duration.ofSeconds(8);
    static final Duration QUIESCENCE_TIMEOUT = Duration.ofMinutes(4);
    static final int SNAPSHOT_STORIES = 300;
    static final int LIVE_STORIES = 2_000;
    static final double LIVE_RATE = 50;
    static final int LABEL_PARTITIONS = 2;
    static final String LEGACY_TABLE = "conversation_labels_legacy";
    static final Comparator<ConversationKey> KEY_ORDER = Comparator.comparing(ConversationKey::customerId)
            .thenComparing(ConversationKey::profileId).thenComparing(ConversationKey::conversationId);

    /**
     * The oracle: every ended conversation with its final values, handoff winning over bot-resolved, times in whole
     * seconds (the table's {@code DateTime}). Grouping by the primary key lets the chats columns be selected as is.
     */
    static final String ORACLE = """
            SELECT c.customer_id, c.profile_id, c.conversation_id,
                   coalesce(c.agent_user_id, '') AS agent, coalesce(c.usecase_id, '') AS usecase,
                   floor(extract(epoch FROM c.created_at))::bigint AS started_s,
                   floor(extract(epoch FROM c.ended_at))::bigint AS ended_s,
                   count(e.event_id) FILTER (WHERE e.event_type = 'ASSIST_SHOWN') AS shown,
                   count(e.event_id) FILTER (WHERE e.event_type = 'ASSIST_USED') AS used,
                   count(e.event_id) FILTER (WHERE e.event_type = 'ASSIST_USED') > 0 AS assisted,
                   CASE WHEN bool_or(e.event_type = 'BOT_HANDOFF') THEN 'HANDOFF'
                        WHEN bool_or(e.event_type = 'BOT_RESOLVED') THEN 'RESOLVED'
                        ELSE 'NONE' END AS outcome
            FROM app.chats c
            LEFT JOIN app.chat_events e ON e.customer_id = c.customer_id AND e.profile_id = c.profile_id
                                        AND e.conversation_id = c.conversation_id
            WHERE c.ended_at IS NOT NULL
            GROUP BY c.customer_id, c.profile_id, c.conversation_id""";

    /** What a leaderboard shows: per final agent, the UTC days with at least one ended conversation. */
    static final String ACTIVE_DAYS_POSTGRES = """
            SELECT coalesce(agent_user_id, ''), count(DISTINCT (ended_at AT TIME ZONE 'UTC')::date)
            FROM app.chats WHERE ended_at IS NOT NULL GROUP BY 1""";

    static String activeDaysClickHouse(LabelTable table) {
        return "SELECT ifNull(agent_user_id, ''), uniqExact(toDate(conversation_end_time)) FROM " + table.qualifiedName()
                + " FINAL WHERE is_deleted = 0 GROUP BY agent_user_id";
    }

    static String visibleRows(LabelTable table) {
        return "SELECT customer_id, profile_id, conversation_id, ifNull(agent_user_id, ''), ifNull(usecase_id, ''),"
                + " toUInt32(conversation_start_time), toUInt32(conversation_end_time), assist_shown_count,"
                + " assist_used_count, agent_assisted, bot_outcome, version, kind FROM " + table.qualifiedName()
                + " FINAL WHERE is_deleted = 0";
    }

    /** One label as the oracle sees it (no version: PostgreSQL has none). */
    record Label(String agent, String usecase, long startedS, long endedS, int shown, int used, boolean assisted,
            String outcome) {
    }

    /** A row of {@code SELECT ... FINAL}: the label and the version and kind that made it visible. */
    record Visible(Label label, long version, String kind) {
    }

    /** What the tests wait on: the label topic and both tables, compared as a whole from one poll to the next. */
    record Observation(Map<ConversationKey, List<ConversationLabel>> topic, Map<ConversationKey, Visible> replacing,
            long replacingRows, long replacingVisibleRows, Map<ConversationKey, Visible> legacy, long legacyRows,
            long legacyVisibleRows) {

        long records() {
            return topic.values().stream().mapToLong(List::size).sum();
        }

        long count(LabelKind kind) {
            return topic.values().stream().flatMap(List::stream).filter(l -> l.getKind() == kind).count();
        }
    }

    private ConfigSource config;
    private KafkaSettings kafka;
    private TopicNames topics;
    private LabelTable replacingTable;
    private LabelTable legacyTable;
    private Client clickhouse;
    private CdcRunner cdc;
    private Pipeline pipeline;
    private ClickHouseSink legacySink;
    private Deserializer<ConversationLabelKey> keys;
    private Deserializer<ConversationLabel> values;
    private final Map<ConversationKey, Integer> changesAfterEnd = new HashMap<>();
    private long expectedLabels;
    private Map<ConversationKey, Label> oracle;
    private Observation live;
    private Duration liveRun;

    @BeforeAll
    void runTheLivePipelineToQuiescence(StackFixture stack, @TempDir Path dir) throws Exception {
        long started = System.nanoTime();
        config = stack.config(Map.of(
                ClickHouseSettings.DATABASE.name(), stack.createClickHouseDatabase(),
                KafkaSettings.TOPIC_PARTITIONS.name(), System.getProperty("e2e.cdc.partitions", "2"),
                LabelSettings.SETTLE_WINDOW.name(), SETTLE.toMillis() + "ms",
                LabelSettings.FALLBACK_IDLE.name(), FALLBACK_IDLE.toMillis() + "ms",
                // The replay below runs minutes after the commits; it must still count as live for its last timers.
                LabelSettings.FALLBACK_MAX_LAG.name(), "1h",
                // Few INSERTs: with merges stopped every INSERT stays a part (ClickHouse refuses more than 300).
                SinkSettings.BATCH_LINGER.name(), "2s"));
        kafka = KafkaSettings.from(config);
        topics = TopicNames.from(config);
        ClickHouseSettings clickhouseSettings = ClickHouseSettings.from(config);
        SinkSettings sinkSettings = SinkSettings.from(config);
        replacingTable = ClickHouseSink.createTable(clickhouseSettings, sinkSettings);
        clickhouse = LabelStore.newClient(clickhouseSettings);
        clickhouse.execute("SYSTEM STOP MERGES " + replacingTable.qualifiedName()).get().close();
        ConfigSource legacyConfig = config.with(Map.of(SinkSettings.LAYOUT.name(), "legacy",
                SinkSettings.TABLE.name(), LEGACY_TABLE,
                SinkSettings.GROUP_ID.name(), StreamsSettings.APPLICATION_ID.read(config) + "-legacy-sink"));
        legacyTable = new LabelTable(clickhouseSettings.database(), LEGACY_TABLE, SinkSettings.Layout.LEGACY);
        AvroSerdes avro = new AvroSerdes(RegistrySettings.from(config));
        keys = avro.forKeys(ConversationLabelKey.class).deserializer();
        values = avro.forValues(ConversationLabel.class).deserializer();

        // Before the connector's first start: these rows reach Kafka as snapshot reads.
        PostgresSettings postgres = PostgresSettings.from(config);
        remember(simulate(postgres, dir.resolve("snapshot-truth.jsonl"), WorkloadSpec.builder().seed(41)
                .mix(mix()).count(SNAPSHOT_STORIES).customers(6).profiles(3)
                .start(Instant.parse("2025-01-21T23:53:00Z")).interval(Duration.ofSeconds(1))));

        createLabelTopic(topics.labels());
        cdc = new CdcRunner(postgres, kafka, CdcSettings.from(config), topics);
        cdc.start();
        pipeline = Pipeline.fromConfig(config);
        pipeline.start();
        legacySink = ClickHouseSink.fromConfig(legacyConfig);
        legacySink.start();

        // Live: 50 stories a second across midnight; the delays after the end are real seconds on the wall clock.
        SimulationSummary summary = remember(simulate(postgres, dir.resolve("live-truth.jsonl"), WorkloadSpec.builder()
                .seed(42).mix(mix()).count(LIVE_STORIES).rate(LIVE_RATE).customers(6).profiles(3)
                .start(Instant.parse("2025-01-21T23:59:45Z")).conversationLength(Duration.ofSeconds(2))
                .reassignDelay(Duration.ofSeconds(10)).reviewDelay(Duration.ofSeconds(1))
                .submitDelay(Duration.ofSeconds(2))));
        LOG.info("live workload written in {} s: {}", summary.elapsed().toSeconds(), summary.counts());

        oracle = oracle();
        assertThat(oracle).as("ended conversations in PostgreSQL = the simulators' truth").hasSize((int) expectedLabels);
        live = awaitQuiescence("the live pipeline", topics.labels(), o -> {
            assertThat(differences(oracle, labels(o.replacing()))).as("replacing layout FINAL vs PostgreSQL").isEmpty();
            assertThat(o.replacingVisibleRows()).as("one visible row per conversation").isEqualTo(oracle.size());
            assertThat(o.replacingRows()).as("physical rows (merges stopped) = label records").isEqualTo(o.records());
            assertThat(differences(oracle, labels(o.legacy()))).as("legacy layout FINAL vs PostgreSQL").isEmpty();
            assertThat(o.legacyVisibleRows()).as("legacy: one visible row per conversation").isEqualTo(oracle.size());
        });
        liveRun = Duration.ofNanos(System.nanoTime() - started);
        LOG.info("live run quiescent after {} s: {} conversations ({} stories planned before the connector started), {} label records ({} FINAL, {}"
                + " CORRECTION), {} physical rows", liveRun.toSeconds(), oracle.size(), SNAPSHOT_STORIES, live.records(),
                live.count(LabelKind.FINAL), live.count(LabelKind.CORRECTION), live.replacingRows());
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {legacySink, pipeline, cdc, clickhouse}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    LOG.warn("closing {} failed", c, e);
                }
            }
        }
    }

    @Test
    @Order(1)
    void shouldShowTheFinalPostgresStateOfEveryEndedConversationInFinal() {
        assertThat(differences(oracle, labels(live.replacing()))).isEmpty();
        assertThat(live.replacing()).hasSize((int) expectedLabels);
        // The topic agrees with what is visible: the last label of each conversation is the visible row.
        live.topic().forEach((key, labels) -> {
            ConversationLabel last = labels.get(labels.size() - 1);
            assertThat(live.replacing().get(key).version()).as("%s", key).isEqualTo(last.getVersion());
            assertThat(live.replacing().get(key).kind()).as("%s", key).isEqualTo(last.getKind().name());
        });
        // The run exercised what it is meant to: labels corrected after their FINAL.
        assertThat(live.count(LabelKind.CORRECTION)).isGreaterThan(LIVE_STORIES / 20);
        assertThat(TopicReader.readAll(kafka.bootstrap(), topics.deadLetters())).as("dead letters").isEmpty();
    }

    @Test
    @Order(2)
    void shouldWriteOneFinalPerConversationAndCorrectionsOnlyForConversationsThatChangedAfterTheirEnd() {
        Map<ConversationKey, Long> physical = new HashMap<>();
        for (String[] r : query("SELECT customer_id, profile_id, conversation_id, count() FROM "
                + replacingTable.qualifiedName() + " WHERE kafka_topic = " + LabelTable.literal(topics.labels())
                + " GROUP BY customer_id, profile_id, conversation_id")) {
            physical.put(new ConversationKey(r[0], r[1], r[2]), Long.parseLong(r[3]));
        }
        long finals = live.count(LabelKind.FINAL);
        long corrections = live.count(LabelKind.CORRECTION);
        assertThat(live.count(LabelKind.DELETE)).as("the workload deletes no chat").isZero();
        assertThat(finals).as("one FINAL per ended conversation").isEqualTo(oracle.size());
        assertThat(physical.values().stream().mapToLong(Long::longValue).sum()).as("physical rows, merges stopped")
                .isEqualTo(oracle.size() + corrections);

        List<String> unexpected = new ArrayList<>();
        long unchangedConversations = 0;
        for (Map.Entry<ConversationKey, List<ConversationLabel>> e : live.topic().entrySet()) {
            ConversationKey key = e.getKey();
            List<ConversationLabel> labels = e.getValue();
            assertThat(labels.get(0).getKind()).as("first label of %s", key).isEqualTo(LabelKind.FINAL);
            assertThat(labels.subList(1, labels.size())).as("labels after the FINAL of %s", key)
                    .allMatch(l -> l.getKind() == LabelKind.CORRECTION);
            for (int i = 1; i < labels.size(); i++) {
                assertThat(labels.get(i).getVersion()).as("versions of %s", key).isGreaterThan(labels.get(i - 1).getVersion());
            }
            assertThat(physical.get(key)).as("physical rows of %s = its label records", key).isEqualTo((long) labels.size());
            int changes = changesAfterEnd.getOrDefault(key, -1);
            assertThat(changes).as("%s is in the truth", key).isNotNegative();
            if (changes == 0) {
                unchangedConversations++;
                if (labels.size() != 1) {
                    unexpected.add(key.conversationId() + " never changed after its end but has "
                            + labels.stream().map(ConversationLabelsEndToEndIT::brief).toList());
                }
            }
        }
        assertThat(unexpected.subList(0, Math.min(20, unexpected.size())))
                .as("corrections of conversations the truth says never changed after their end (%d)", unexpected.size())
                .isEmpty();
        assertThat(unchangedConversations).isPositive();
        LOG.info("{} conversations, {} FINAL + {} CORRECTION label records = {} physical rows; {} never changed after"
                + " their end (one row each)", oracle.size(), finals, corrections, finals + corrections,
                unchangedConversations);
    }

    @Test
    @Order(3)
    void shouldCountTheSameActiveDaysPerAgentAsPostgres() throws SQLException {
        Map<String, Long> expected = new TreeMap<>();
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(ACTIVE_DAYS_POSTGRES)) {
            while (rs.next()) {
                expected.put(rs.getString(1), rs.getLong(2));
            }
        }
        assertThat(activeDays(replacingTable)).isEqualTo(expected);
        assertThat(activeDays(legacyTable)).isEqualTo(expected);
        // The run crosses midnight: agents active on one day and on two, so a stale agent would show.
        assertThat(expected.values()).contains(1L, 2L);
    }

    /**
     * What makes the snapshot's FINALs complete (see {@code DebeziumProperties}): the connector reads chat events
     * before conversations, so in event time every snapshotted event precedes every snapshotted chats row.
     */
    @Test
    @Order(4)
    void shouldSnapshotChatEventsBeforeChats() throws Exception {
        long[] events = snapshotReadTimes(topics.chatEvents());
        long[] chats = snapshotReadTimes(topics.chats());
        assertThat(events[2]).as("snapshot reads of chat_events").isPositive();
        assertThat(chats[2]).as("snapshot reads of chats").isGreaterThanOrEqualTo(SNAPSHOT_STORIES);
        assertThat(events[1]).as("last event read vs first chat read").isLessThanOrEqualTo(chats[0]);
    }

    @Test
    @Order(5)
    void shouldKeepOneVisibleRowPerConversationInTheLegacyLayout() {
        assertThat(query("SELECT sorting_key FROM system.tables WHERE database = "
                + LabelTable.literal(legacyTable.database()) + " AND name = " + LabelTable.literal(legacyTable.table()))
                .get(0)[0]).isEqualTo(LabelTable.LEGACY_SORTING_KEY);
        assertThat(differences(oracle, labels(live.legacy()))).isEmpty();
        assertThat(live.legacyVisibleRows()).isEqualTo(oracle.size());
        // Every corrected conversation's old row, under its old agent or end hour, was deleted.
        assertThat(live.legacyRows()).isEqualTo(oracle.size());
        assertThat(legacySink.progress().mutations()).isPositive();
        live.legacy().forEach((key, row) -> assertThat(row.version()).as("%s", key)
                .isEqualTo(live.replacing().get(key).version()));
    }

    /**
     * The label topology again, under a new application id, over the same CDC topics, into a new label topic and
     * through its own sink into the same table: the same labels with the same versions, so nothing new is visible.
     */
    @Test
    @Order(6)
    void shouldWriteTheSameLabelsWithTheSameVersionsWhenReplayedUnderANewApplicationId() {
        Map<ConversationKey, Visible> visibleBefore = visible(replacingTable);
        String replayId = StreamsSettings.APPLICATION_ID.read(config) + "-replay";
        String replayTopic = topics.labels() + "-replay";
        long started = System.nanoTime();
        ConfigSource replayConfig = config.with(Map.of(StreamsSettings.APPLICATION_ID.name(), replayId,
                TopicNames.LABELS.name(), replayTopic));
        // a topic of its own: its subjects are registered first, as a deployment does before `run`
        SchemaRegistration.registerAllOrFail(RegistrySettings.from(replayConfig), TopicNames.from(replayConfig));
        try (Pipeline replay = Pipeline.fromConfig(replayConfig)) {
            createLabelTopic(replayTopic);
            replay.start();
            Observation again = awaitQuiescence("the replay", replayTopic, o -> {
                assertThat(o.records()).as("replayed label records").isPositive();
                assertThat(physicalRows(replayTopic)).as("replayed records written once").isEqualTo(o.records());
            });
            assertThat(differences(live.topic(), again.topic())).as("label records per conversation, replay vs live")
                    .isEmpty();
            assertThat(again.replacing()).as("visible rows after the replay").isEqualTo(visibleBefore);
            assertThat(physicalRows(topics.labels())).as("rows of the live run untouched").isEqualTo(live.records());
            LOG.info("replay of {} label records quiescent after {} s", again.records(),
                    Duration.ofNanos(System.nanoTime() - started).toSeconds());
        }
    }

    // ================================================================= helpers

    /** min, max of {@code source.ts_ms} of the snapshot reads (op r) of a CDC topic, and their number. */
    private long[] snapshotReadTimes(String topic) throws Exception {
        ObjectMapper json = new ObjectMapper();
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        long n = 0;
        for (ConsumerRecord<String, String> r : TopicReader.readAll(kafka.bootstrap(), topic)) {
            if (r.value() == null) {
                continue;
            }
            JsonNode envelope = json.readTree(r.value());
            if (envelope.path("op").asText().equals("r")) {
                long ts = envelope.path("source").path("ts_ms").asLong();
                min = Math.min(min, ts);
                max = Math.max(max, ts);
                n++;
            }
        }
        return new long[] {min, max, n};
    }

    /** The label topic with more partitions than the CDC topics: the sink writes one INSERT stream per partition. */
    private void createLabelTopic(String name) {
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            admin.createTopics(List.of(new NewTopic(name, LABEL_PARTITIONS, (short) 1)
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)))).all().get();
        } catch (Exception e) {
            throw new IllegalStateException("cannot create " + name, e);
        }
    }

    private static Map<Scenario, Integer> mix() {
        Map<Scenario, Integer> mix = new LinkedHashMap<>();
        mix.put(Scenario.REASSIGN, 1);
        mix.put(Scenario.STEADY, 1);
        return mix;
    }

    private static Simulated simulate(PostgresSettings postgres, Path truthFile, WorkloadSpec.Builder spec) throws Exception {
        SimulationSummary summary = new Simulator(postgres, spec.build()).truthFile(truthFile).run();
        return new Simulated(summary, Truth.read(truthFile));
    }

    record Simulated(SimulationSummary summary, Truth truth) {
    }

    private SimulationSummary remember(Simulated run) {
        changesAfterEnd.putAll(run.truth().changesAfterEnd());
        expectedLabels += run.truth().expected().labels();
        return run.summary();
    }

    /**
     * Polls until {@code assertion} holds and nothing observed has changed for {@link #QUIET}; returns the last
     * observation. The label topic read is {@code labelsTopic}; the tables are read as a whole.
     */
    private Observation awaitQuiescence(String what, String labelsTopic, Consumer<Observation> assertion) {
        AtomicReference<Observation> previous = new AtomicReference<>();
        await(what).atMost(QUIESCENCE_TIMEOUT).pollInterval(Duration.ofSeconds(2)).during(QUIET).untilAsserted(() -> {
            Observation now = observe(labelsTopic);
            Observation before = previous.getAndSet(now);
            assertion.accept(now);
            assertThat(now).as("unchanged since the previous poll").isEqualTo(before);
        });
        return previous.get();
    }

    private Observation observe(String labelsTopic) {
        Map<ConversationKey, List<ConversationLabel>> byConversation = new TreeMap<>(KEY_ORDER);
        for (ConsumerRecord<ConversationLabelKey, ConversationLabel> r : TopicReader.readAll(kafka.bootstrap(), labelsTopic,
                keys, values)) {
            ConversationLabelKey k = r.key();
            byConversation.computeIfAbsent(new ConversationKey(k.getCustomerId(), k.getProfileId(), k.getConversationId()),
                    x -> new ArrayList<>()).add(r.value());
        }
        return new Observation(byConversation, visible(replacingTable), count("SELECT count() FROM " + replacingTable.qualifiedName()),
                count("SELECT count() FROM " + replacingTable.qualifiedName() + " FINAL"), visible(legacyTable),
                tableExists(legacyTable) ? count("SELECT count() FROM " + legacyTable.qualifiedName()) : 0,
                tableExists(legacyTable) ? count("SELECT count() FROM " + legacyTable.qualifiedName() + " FINAL") : 0);
    }

    private Map<ConversationKey, Visible> visible(LabelTable table) {
        Map<ConversationKey, Visible> rows = new HashMap<>();
        if (!tableExists(table)) {
            return rows;
        }
        for (String[] r : query(visibleRows(table))) {
            Label label = new Label(r[3], r[4], Long.parseLong(r[5]), Long.parseLong(r[6]), Integer.parseInt(r[7]),
                    Integer.parseInt(r[8]), r[9].equals("1"), r[10]);
            Visible previous = rows.put(new ConversationKey(r[0], r[1], r[2]), new Visible(label, Long.parseLong(r[11]), r[12]));
            assertThat(previous).as("more than one visible row for %s in %s", r[2], table.qualifiedName()).isNull();
        }
        return rows;
    }

    private boolean tableExists(LabelTable table) {
        return !query(table.describeTable()).isEmpty();
    }

    private long physicalRows(String labelsTopic) {
        return count("SELECT count() FROM " + replacingTable.qualifiedName() + " WHERE kafka_topic = "
                + LabelTable.literal(labelsTopic));
    }

    private Map<String, Long> activeDays(LabelTable table) {
        Map<String, Long> days = new TreeMap<>();
        for (String[] r : query(activeDaysClickHouse(table))) {
            days.put(r[0], Long.parseLong(r[1]));
        }
        return days;
    }

    /**
     * A TabSeparated query. Small read buffers: with merges stopped a FINAL reads every INSERT's part at once, and
     * with the default 1 MiB per column and part it outgrows the test server's per-query memory limit.
     */
    private List<String[]> query(String sql) {
        QuerySettings settings = new QuerySettings().setFormat(ClickHouseFormat.TabSeparated)
                .serverSetting("max_read_buffer_size", "65536");
        List<String[]> rows = new ArrayList<>();
        try (QueryResponse response = clickhouse.query(sql, settings).get();
                BufferedReader reader = new BufferedReader(new InputStreamReader(response.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                rows.add(line.split("\t", -1));
            }
        } catch (Exception e) {
            throw new IllegalStateException("ClickHouse query failed: " + sql, e);
        }
        return rows;
    }

    private long count(String sql) {
        return Long.parseLong(query(sql).get(0)[0]);
    }

    static String brief(ConversationLabel l) {
        return l.getKind() + " v" + l.getVersion() + " " + l.getAgentUserId() + " " + l.getUsecaseId() + " end "
                + l.getEndedAt() + " shown " + l.getAssistShownCount() + " used " + l.getAssistUsedCount() + " "
                + l.getBotOutcome() + " ts " + l.getSourceTsMs();
    }

    /** What differs between two maps, one line per key (at most 20), for readable failures. */
    static <V> List<String> differences(Map<ConversationKey, V> expected, Map<ConversationKey, V> actual) {
        List<String> lines = new ArrayList<>();
        long total = 0;
        for (ConversationKey key : union(expected, actual)) {
            V e = expected.get(key);
            V a = actual.get(key);
            if (!Objects.equals(e, a)) {
                total++;
                if (lines.size() < 20) {
                    lines.add(key.customerId() + "/" + key.profileId() + "/" + key.conversationId() + ": expected "
                            + brief(e) + " but was " + brief(a));
                }
            }
        }
        if (total > lines.size()) {
            lines.add("... " + (total - lines.size()) + " more of " + total + " (of " + expected.size() + " expected)");
        }
        return lines;
    }

    private static String brief(Object value) {
        if (value instanceof List<?> list) {
            return list.stream().map(ConversationLabelsEndToEndIT::brief).toList().toString();
        }
        return value instanceof ConversationLabel label ? brief(label) : String.valueOf(value);
    }

    private static Set<ConversationKey> union(Map<ConversationKey, ?> a, Map<ConversationKey, ?> b) {
        Set<ConversationKey> keys = new TreeSet<>(KEY_ORDER);
        keys.addAll(a.keySet());
        keys.addAll(b.keySet());
        return keys;
    }

    private static Map<ConversationKey, Label> labels(Map<ConversationKey, Visible> rows) {
        return rows.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().label()));
    }

    private Map<ConversationKey, Label> oracle() throws SQLException {
        Map<ConversationKey, Label> rows = new HashMap<>();
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(ORACLE)) {
            while (rs.next()) {
                rows.put(new ConversationKey(rs.getString(1), rs.getString(2), rs.getString(3)),
                        new Label(rs.getString(4), rs.getString(5), rs.getLong(6), rs.getLong(7), rs.getInt(8),
                                rs.getInt(9), rs.getBoolean(10), rs.getString(11)));
            }
        }
        return rows;
    }

    private Connection connect() throws SQLException {
        PostgresSettings postgres = PostgresSettings.from(config);
        return DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
    }
}
