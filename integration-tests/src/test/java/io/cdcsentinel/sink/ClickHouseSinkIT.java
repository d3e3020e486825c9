package io.cdcsentinel.sink;

import static io.cdcsentinel.sink.SinkTestKit.label;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cdcsentinel.avro.ConversationLabel;
import io.cdcsentinel.avro.LabelKind;
import io.cdcsentinel.cli.SinkCommand;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.ThrowingRunnable;
import io.cdcsentinel.testing.StackExtension;
import io.cdcsentinel.testing.StackFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sink against real Kafka, Apicurio Registry and ClickHouse 18.16: labels produced with the real
 * serde end up as rows, once each, and the table's {@code FINAL} view is the latest label of every
 * conversation.
 */
@ExtendWith(StackExtension.class)
class ClickHouseSinkIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private final StackFixture stack;

    ClickHouseSinkIT(StackFixture stack) {
        this.stack = stack;
    }

    private SinkTestKit kit(Map<String, String> overrides) {
        Map<String, String> values = new LinkedHashMap<>(Map.of("sink.batch.size", "40", "sink.batch.linger", "200ms"));
        values.putAll(overrides);
        return SinkTestKit.create(stack, values);
    }

    /** 200 conversations: FINAL each, a CORRECTION for every 5th, a DELETE for every 10th. */
    private static List<ConversationLabel> workload(int conversations) {
        List<ConversationLabel> labels = new ArrayList<>();
        for (int i = 0; i < conversations; i++) {
            labels.add(label("conv-" + i, LabelKind.FINAL, 1_000 + i).build());
        }
        for (int i = 0; i < conversations; i += 5) {
            labels.add(label("conv-" + i, LabelKind.CORRECTION, 2_000 + i).setAgentUserId("reassigned-" + i).build());
        }
        for (int i = 0; i < conversations; i += 10) {
            labels.add(label("conv-" + i, LabelKind.DELETE, 3_000 + i).build());
        }
        return labels;
    }

    /** The latest label of every conversation, as {@code SELECT ... FINAL} must show it. */
    private static Map<String, String> expectedFinal(List<ConversationLabel> labels) {
        Map<String, ConversationLabel> latest = new TreeMap<>();
        for (ConversationLabel l : labels) {
            latest.merge(l.getConversationId(), l, (a, b) -> b.getVersion() > a.getVersion() ? b : a);
        }
        Map<String, String> rows = new TreeMap<>();
        latest.forEach((conversation, l) -> rows.put(conversation, String.join("|", l.getCustomerId(), l.getProfileId(),
                Long.toString(l.getVersion()), l.getKind().name(), l.getKind() == LabelKind.DELETE ? "1" : "0",
                l.getAgentUserId(), l.getUsecaseId(), Integer.toString(l.getAssistShownCount()),
                Integer.toString(l.getAssistUsedCount()), l.getAgentAssisted() ? "1" : "0", l.getBotOutcome().name(),
                Long.toString(l.getSourceTsMs()))));
        return rows;
    }

    private static Map<String, String> actualFinal(SinkTestKit kit, LabelTable table) {
        Map<String, String> rows = new TreeMap<>();
        for (String[] r : kit.rows("SELECT conversation_id, customer_id, profile_id, version, kind, is_deleted, agent_user_id,"
                + " usecase_id, assist_shown_count, assist_used_count, agent_assisted, bot_outcome, source_ts_ms FROM "
                + table.qualifiedName() + " FINAL")) {
            rows.put(r[0], String.join("|", List.of(r).subList(1, r.length)));
        }
        return rows;
    }

    @Test
    void shouldWriteEveryLabelOnceAndShowTheLatestPerConversationInFinal() throws Exception {
        try (SinkTestKit kit = kit(Map.of())) {
            kit.createTopics(3);
            LabelTable table = kit.createTableWithoutMerges();
            kit.produceRaw(0, "k".getBytes(StandardCharsets.UTF_8), "not avro at all".getBytes(StandardCharsets.UTF_8));
            List<ConversationLabel> labels = workload(200);
            kit.produce(labels);
            kit.produceTombstone("cust-0", "prof-1", "conv-gone-1");
            kit.produceTombstone("cust-0", "prof-1", "conv-gone-2");

            try (ClickHouseSink sink = kit.newSink()) {
                sink.start();
                awaitRows(kit, table, sink, labels.size());
                await().atMost(WAIT).until(() -> sink.progress().tombstonesSkipped() == 2 && sink.progress().deadLettered() == 1);

                // physical rows (merges stopped) == conversations + corrections + deletions, each record once
                assertThat(labels).hasSize(200 + 40 + 20);
                assertThat(kit.count("SELECT uniqExact(kafka_partition, kafka_offset) FROM " + table.qualifiedName()))
                        .isEqualTo(labels.size());
                assertThat(actualFinal(kit, table)).isEqualTo(expectedFinal(labels));
                assertThat(kit.count("SELECT count() FROM " + table.qualifiedName() + " FINAL WHERE is_deleted = 0"))
                        .isEqualTo(200 - 20);
                await().atMost(WAIT).until(() -> sink.progress().rowsWritten() == labels.size());
            }

            List<ConsumerRecord<byte[], byte[]>> dead = kit.readAll(kit.topics.deadLetters());
            assertThat(dead).hasSize(1);
            ConsumerRecord<byte[], byte[]> letter = dead.get(0);
            assertThat(new String(letter.value(), StandardCharsets.UTF_8)).isEqualTo("not avro at all");
            assertThat(header(letter, DeadLetters.HEADER_TOPIC)).isEqualTo(kit.topics.labels());
            assertThat(header(letter, DeadLetters.HEADER_PARTITION)).isEqualTo("0");
            assertThat(header(letter, DeadLetters.HEADER_OFFSET)).isEqualTo("0");
        }
    }

    @Test
    void shouldWriteNothingAgainWhenTheSameRecordsAreReadAgainByANewGroup() throws Exception {
        try (SinkTestKit kit = kit(Map.of())) {
            kit.createTopics(3);
            LabelTable table = kit.createTableWithoutMerges();
            List<ConversationLabel> labels = workload(100);
            kit.produce(labels);
            try (ClickHouseSink first = kit.newSink()) {
                first.start();
                awaitRows(kit, table, first, labels.size());
            }

            // A new consumer group has no committed offsets: only ClickHouse knows what is written.
            try (SinkTestKit replay = kit.with(Map.of("sink.group.id", kit.sinkSettings().groupId() + "-replay"));
                    ClickHouseSink second = replay.newSink()) {
                second.start();
                ConversationLabel late = label("conv-late", LabelKind.FINAL, 9_999).build();
                kit.produce(List.of(late));
                // (progress counts a batch when the consumer loop next sees its INSERT done, a poll after ClickHouse has it)
                awaitRows(kit, table, second, labels.size() + 1);
                awaitOrDiagnose(kit, table, second, () -> assertThat(second.progress().rowsWritten()).isEqualTo(1));
                assertThat(kit.count("SELECT uniqExact(kafka_partition, kafka_offset) FROM " + table.qualifiedName()))
                        .isEqualTo(labels.size() + 1);
            }
        }
    }

    @Test
    void shouldStopWithoutCommittingWhenClickHouseRefusesABatch() throws Exception {
        try (SinkTestKit kit = kit(Map.of("sink.retry.attempts", "2", "sink.retry.backoff", "50ms"))) {
            kit.createTopics(1);
            LabelTable table = kit.createTableWithoutMerges();
            kit.produce(workload(10));
            try (ClickHouseSink sink = kit.newSink()) {
                sink.start();
                await().atMost(WAIT).untilAsserted(() -> assertThat(kit.count("SELECT count() FROM " + table.qualifiedName()))
                        .isEqualTo(13));
                // the table loses a column the sink writes: every INSERT is refused from now on
                kit.execute("ALTER TABLE " + table.qualifiedName() + " DROP COLUMN written_at");
                kit.produce(List.of(label("conv-refused", LabelKind.FINAL, 5_000).build()));
                assertThat(sink.awaitTermination(WAIT)).isTrue();
                assertThat(sink.state()).isEqualTo(ClickHouseSink.State.FAILED);
                assertThat(sink.progress().failure()).contains("refused a batch of 1 rows");
                assertThat(sink.progress().deadLettered()).isZero();
            }
            assertThat(kit.count("SELECT count() FROM " + table.qualifiedName())).isEqualTo(13);
            assertThat(kit.readAll(kit.topics.deadLetters())).isEmpty();
        }
    }

    @Test
    void shouldExitTheSinkCommandWithOneWhenClickHouseKeepsRefusingABatch(@TempDir Path dir) throws Exception {
        try (SinkTestKit kit = kit(Map.of("sink.retry.attempts", "2", "sink.retry.backoff", "50ms"))) {
            kit.createTopics(1);
            LabelTable table = kit.createTableWithoutMerges();
            // a column that cannot hold what the sink writes: every INSERT of this label is refused
            kit.execute("ALTER TABLE " + table.qualifiedName() + " MODIFY COLUMN usecase_id String");
            kit.produce(List.of(label("conv-refused", LabelKind.FINAL, 5_000).setUsecaseId(null).build()));

            assertThat(SinkCommand.execute("--config", kit.writeConfig(dir).toString(), "--progress-seconds", "0")).isEqualTo(1);
            assertThat(kit.count("SELECT count() FROM " + table.qualifiedName())).isZero();
        }
    }

    @Test
    void shouldSendARefusedBatchToTheDeadLetterTopicInDlqModeAndGoOn() throws Exception {
        try (SinkTestKit kit = kit(Map.of("sink.retry.attempts", "2", "sink.retry.backoff", "50ms", "sink.failure.mode", "dlq"))) {
            kit.createTopics(1);
            LabelTable table = kit.createTableWithoutMerges();
            try (ClickHouseSink sink = kit.newSink()) {
                sink.start();
                kit.produce(List.of(label("conv-before", LabelKind.FINAL, 4_999).build()));
                await().atMost(WAIT).until(() -> sink.progress().rowsWritten() == 1);
                kit.execute("RENAME TABLE " + table.qualifiedName() + " TO `" + table.database() + "`.`parked`");
                kit.produce(List.of(label("conv-refused", LabelKind.FINAL, 5_000).build()));
                await().atMost(WAIT).until(() -> sink.progress().deadLettered() == 1);
                kit.execute("RENAME TABLE `" + table.database() + "`.`parked` TO " + table.qualifiedName());
                kit.produce(List.of(label("conv-accepted", LabelKind.FINAL, 5_001).build()));
                await().atMost(WAIT).untilAsserted(() -> assertThat(kit.rows("SELECT conversation_id FROM " + table.qualifiedName()))
                        .extracting(r -> r[0]).containsExactlyInAnyOrder("conv-before", "conv-accepted"));
                assertThat(sink.state()).isEqualTo(ClickHouseSink.State.RUNNING);
            }
            List<ConsumerRecord<byte[], byte[]>> dead = kit.readAll(kit.topics.deadLetters());
            assertThat(dead).hasSize(1);
            assertThat(header(dead.get(0), DeadLetters.HEADER_OFFSET)).isEqualTo("1");
            assertThat(header(dead.get(0), DeadLetters.HEADER_MESSAGE)).contains("refused a batch of 1 rows");
        }
    }

    @Test
    void shouldNotWriteARowTwiceWhenAnInsertLandsButItsAcknowledgementIsLost() throws Exception {
        try (SinkTestKit kit = kit(Map.of("sink.retry.backoff", "50ms"))) {
            kit.createTopics(1);
            LabelTable table = kit.createTableWithoutMerges();
            List<ConversationLabel> labels = workload(100);
            try (AckDroppingProxy proxy = new AckDroppingProxy(kit.clickhouse.url(), 2);
                    SinkTestKit viaProxy = kit.with(Map.of("clickhouse.url", proxy.url()));
                    ClickHouseSink sink = viaProxy.newSink()) {
                sink.start();
                kit.produce(labels);
                await().atMost(WAIT).until(() -> sink.progress().lastWrittenOffsets().getOrDefault(0, -1L) == labels.size() - 1);
                assertThat(proxy.dropped()).isEqualTo(2);
                assertThat(sink.progress().retries()).isGreaterThanOrEqualTo(2);
                assertThat(sink.progress().rowsWritten()).isEqualTo(labels.size());
            }
            assertThat(kit.count("SELECT count() FROM " + table.qualifiedName())).isEqualTo(labels.size());
            assertThat(kit.count("SELECT uniqExact(kafka_partition, kafka_offset) FROM " + table.qualifiedName()))
                    .isEqualTo(labels.size());
        }
    }

    /**
     * Waits until the table holds {@code expected} physical rows. A timeout names what the sink and ClickHouse were
     * doing (the sink's progress, the rows per partition, the sink's INSERTs still running on the server), so that a
     * failure on a slow CI machine says whether the sink stopped, lagged or waited on ClickHouse.
     */
    private static void awaitRows(SinkTestKit kit, LabelTable table, ClickHouseSink sink, long expected) {
        awaitOrDiagnose(kit, table, sink, () -> assertThat(kit.count("SELECT count() FROM " + table.qualifiedName()))
                .isEqualTo(expected));
    }

    /** Waits for {@code assertion}; on a timeout, asks the sink and ClickHouse once what they were doing. */
    private static void awaitOrDiagnose(SinkTestKit kit, LabelTable table, ClickHouseSink sink, ThrowingRunnable assertion) {
        try {
            await().atMost(WAIT).untilAsserted(assertion);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + " -- " + diagnosis(kit, table, sink), e);
        }
    }

    private static String diagnosis(SinkTestKit kit, LabelTable table, ClickHouseSink sink) {
        StringBuilder d = new StringBuilder("rows of ").append(table.qualifiedName()).append("; sink ")
                .append(sink.progress().summary()).append(", lag ").append(sink.lagRecords()).append(" records");
        try {
            d.append("; per partition (partition, rows, max offset): ");
            for (String[] r : kit.rows("SELECT kafka_partition, count(), max(kafka_offset) FROM " + table.qualifiedName()
                    + " GROUP BY kafka_partition ORDER BY kafka_partition")) {
                d.append(String.join("/", r)).append(' ');
            }
            d.append("; running on ClickHouse: ");
            for (String[] r : kit.rows("SELECT query_id, elapsed FROM system.processes WHERE query_id LIKE 'cdc-sentinel-sink:%'")) {
                d.append(String.join(" ", r)).append("s ");
            }
        } catch (RuntimeException e) {
            d.append("(ClickHouse did not answer: ").append(e).append(')');
        }
        return d.toString();
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
