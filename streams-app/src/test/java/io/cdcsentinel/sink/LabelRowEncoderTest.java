package io.cdcsentinel.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cdcsentinel.avro.BotOutcome;
import io.cdcsentinel.avro.ConversationLabel;
import io.cdcsentinel.avro.LabelKind;
import io.cdcsentinel.config.SinkSettings.Layout;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

public class LabelRowEncoderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] WRITTEN_AT = LabelRowEncoder.dateTimeJson(1_700_000_000L);

    public static ConversationLabel.Builder label() {
        return ConversationLabel.newBuilder()
                .setCustomerId("cust").setProfileId("prof").setConversationId("conv-1")
                .setKind(LabelKind.FINAL).setVersion(42L)
                .setAgentUserId("agent-7").setUsecaseId("billing")
                .setStartedAt(Instant.parse("2024-03-01T10:00:00.123456Z"))
                .setEndedAt(Instant.parse("2024-03-01T10:15:30.999999Z"))
                .setAssistShownCount(3).setAssistUsedCount(1).setAgentAssisted(true)
                .setBotOutcome(BotOutcome.HANDOFF).setSourceTsMs(1_709_288_130_999L);
    }

    private static JsonNode encode(ConversationLabel label, Layout layout) throws Exception {
        LabelRowEncoder.RowBuffer out = new LabelRowEncoder.RowBuffer(16);
        new LabelRowEncoder(layout, "conversation-labels").encode(label, 2, 12345L, WRITTEN_AT, out);
        assertThat(out.rows()).isEqualTo(1);
        assertThat(out.toString()).endsWith("}\n").doesNotContain("\n{");
        return JSON.readTree(out.toString());
    }

    @Test
    void shouldMapEveryFieldOfAFinalLabel() throws Exception {
        JsonNode row = encode(label().build(), Layout.REPLACING);
        assertThat(row.get("customer_id").asText()).isEqualTo("cust");
        assertThat(row.get("profile_id").asText()).isEqualTo("prof");
        assertThat(row.get("conversation_id").asText()).isEqualTo("conv-1");
        assertThat(row.get("version").asLong()).isEqualTo(42L);
        assertThat(row.get("kind").asText()).isEqualTo("FINAL");
        assertThat(row.get("is_deleted").asInt()).isZero();
        assertThat(row.get("agent_user_id").asText()).isEqualTo("agent-7");
        assertThat(row.get("usecase_id").asText()).isEqualTo("billing");
        assertThat(row.get("conversation_start_time").asText()).isEqualTo("2024-03-01 10:00:00");
        assertThat(row.get("conversation_end_time").asText()).isEqualTo("2024-03-01 10:15:30");
        assertThat(row.get("assist_shown_count").asInt()).isEqualTo(3);
        assertThat(row.get("assist_used_count").asInt()).isEqualTo(1);
        assertThat(row.get("agent_assisted").asInt()).isEqualTo(1);
        assertThat(row.get("bot_outcome").asText()).isEqualTo("HANDOFF");
        assertThat(row.get("source_ts_ms").asLong()).isEqualTo(1_709_288_130_999L);
        assertThat(row.get("written_at").asText()).isEqualTo("2023-11-14 22:13:20");
        assertThat(row.get("kafka_topic").asText()).isEqualTo("conversation-labels");
        assertThat(row.get("kafka_partition").asInt()).isEqualTo(2);
        assertThat(row.get("kafka_offset").asLong()).isEqualTo(12345L);
    }

    @Test
    void shouldWriteEveryColumnOfTheTableAndNothingElse() throws Exception {
        JsonNode row = encode(label().build(), Layout.REPLACING);
        List<String> names = new ArrayList<>();
        row.fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactlyElementsOf(LabelTable.COLUMNS.stream().map(LabelTable.Column::name).toList());
    }

    @Test
    void shouldMarkADeleteLabelAsDeleted() throws Exception {
        JsonNode row = encode(label().setKind(LabelKind.DELETE).build(), Layout.REPLACING);
        assertThat(row.get("kind").asText()).isEqualTo("DELETE");
        assertThat(row.get("is_deleted").asInt()).isEqualTo(1);
    }

    @Test
    void shouldWriteTheVersionAsAnUnsignedNumber() throws Exception {
        LabelRowEncoder.RowBuffer out = new LabelRowEncoder.RowBuffer(16);
        new LabelRowEncoder(Layout.REPLACING, "t").encode(label().setVersion(-1L).build(), 0, 0, WRITTEN_AT, out);
        assertThat(out.toString()).contains("\"version\":18446744073709551615,");
    }

    @Test
    void shouldKeepNullsInTheReplacingLayout() throws Exception {
        JsonNode row = encode(label().setAgentUserId(null).setUsecaseId(null).setStartedAt(null).setEndedAt(null).build(),
                Layout.REPLACING);
        assertThat(row.get("agent_user_id").isNull()).isTrue();
        assertThat(row.get("usecase_id").isNull()).isTrue();
        assertThat(row.get("conversation_start_time").isNull()).isTrue();
        assertThat(row.get("conversation_end_time").isNull()).isTrue();
    }

    @Test
    void shouldFillSortingKeyColumnsInTheLegacyLayoutBecauseTheyCannotBeNull() throws Exception {
        JsonNode row = encode(label().setAgentUserId(null).setUsecaseId(null).setEndedAt(null).build(), Layout.LEGACY);
        assertThat(row.get("agent_user_id").asText()).isEmpty();
        assertThat(row.get("conversation_end_time").asText()).isEqualTo("1970-01-01 00:00:00");
        assertThat(row.get("usecase_id").isNull()).isTrue();
    }

    @Test
    void shouldEscapeStringsSoEveryRowStaysOneLine() throws Exception {
        JsonNode row = encode(label().setConversationId("a\"b\\c\nd\te\u0001 é 日本 \uD83D\uDE00").build(), Layout.REPLACING);
        assertThat(row.get("conversation_id").asText()).isEqualTo("a\"b\\c\nd\te\u0001 é 日本 \uD83D\uDE00");
    }

    @Test
    void shouldConcatenateRowsOfOneBatch() throws Exception {
        LabelRowEncoder.RowBuffer out = new LabelRowEncoder.RowBuffer(16);
        LabelRowEncoder encoder = new LabelRowEncoder(Layout.REPLACING, "t");
        for (int i = 0; i < 100; i++) {
            encoder.encode(label().setConversationId("c" + i).build(), 0, i, WRITTEN_AT, out);
        }
        assertThat(out.rows()).isEqualTo(100);
        String[] lines = out.toString().split("\n");
        assertThat(lines).hasSize(100);
        assertThat(JSON.readTree(lines[99]).get("kafka_offset").asLong()).isEqualTo(99);
    }

    @Test
    void shouldTruncateMicrosecondsToWholeSeconds() throws Exception {
        JsonNode row = encode(label().setEndedAt(Instant.parse("2024-12-31T23:59:59.999999Z")).build(), Layout.REPLACING);
        assertThat(row.get("conversation_end_time").asText()).isEqualTo("2024-12-31 23:59:59");
    }

    @Test
    void shouldRejectALabelWithNegativeCounts() {
        assertThatThrownBy(() -> LabelRowEncoder.validate(label().setAssistShownCount(-1).build()))
                .isInstanceOf(BadLabelException.class).hasMessageContaining("negative assist count");
    }

    @Test
    void shouldRejectTimesOutsideTheDateTimeRange() {
        assertThatThrownBy(() -> LabelRowEncoder.validate(label().setStartedAt(Instant.parse("1969-12-31T23:59:59Z")).build()))
                .isInstanceOf(BadLabelException.class).hasMessageContaining("started_at");
        assertThatThrownBy(() -> LabelRowEncoder.validate(label().setEndedAt(Instant.parse("2106-02-07T06:28:16Z")).build()))
                .isInstanceOf(BadLabelException.class).hasMessageContaining("ended_at");
    }

    @Test
    void shouldAcceptTheLastRepresentableSecond() {
        LabelRowEncoder.validate(label().setEndedAt(Instant.parse("2106-02-07T06:28:15Z")).build());
        assertThat(new String(LabelRowEncoder.dateTimeJson(LabelRowEncoder.MAX_DATETIME_SECONDS)))
                .isEqualTo("\"2106-02-07 06:28:15\"");
    }

    @Test
    void shouldRejectANegativeSourceTimestamp() {
        assertThatThrownBy(() -> LabelRowEncoder.validate(label().setSourceTsMs(-5).build()))
                .isInstanceOf(BadLabelException.class).hasMessageContaining("source_ts_ms");
    }

    @Test
    void shouldFormatTimesOnAlternatingDaysAndAtDayBoundaries() throws Exception {
        for (String t : List.of("2024-03-01T23:59:59Z", "2024-03-02T00:00:00Z", "2024-03-01T00:00:01Z", "2024-02-29T12:34:56Z",
                "1970-01-01T00:00:00Z", "2106-02-07T06:28:15Z", "2024-03-02T00:00:00Z")) {
            JsonNode row = encode(label().setEndedAt(Instant.parse(t)).build(), Layout.REPLACING);
            assertThat(row.get("conversation_end_time").asText()).isEqualTo(t.replace('T', ' ').replace("Z", ""));
        }
    }

    @Test
    void shouldWriteNumbersAtTheirLimits() throws Exception {
        LabelRowEncoder.RowBuffer out = new LabelRowEncoder.RowBuffer(16);
        LabelRowEncoder encoder = new LabelRowEncoder(Layout.REPLACING, "t");
        encoder.encode(label().setVersion(Long.MAX_VALUE).setAssistShownCount(Integer.MAX_VALUE).setAssistUsedCount(0)
                .setSourceTsMs(0).build(), Integer.MAX_VALUE, Long.MAX_VALUE, WRITTEN_AT, out);
        JsonNode row = JSON.readTree(out.toString());
        assertThat(row.get("version").asText()).isEqualTo(Long.toString(Long.MAX_VALUE));
        assertThat(row.get("assist_shown_count").asInt()).isEqualTo(Integer.MAX_VALUE);
        assertThat(row.get("assist_used_count").asInt()).isZero();
        assertThat(row.get("source_ts_ms").asLong()).isZero();
        assertThat(row.get("kafka_partition").asInt()).isEqualTo(Integer.MAX_VALUE);
        assertThat(row.get("kafka_offset").asText()).isEqualTo(Long.toString(Long.MAX_VALUE));
    }

    @Test
    void shouldEncodeABatchAsOneLinePerLabelWithItsOffsetAndOneWrittenAt() throws Exception {
        List<PendingLabel> rows = List.of(SinkFixtures.pending(7, label().setConversationId("a").build()),
                SinkFixtures.pending(9, label().setConversationId("b").build()));

        LabelRowEncoder.RowBuffer body = new LabelRowEncoder(Layout.REPLACING, "conversation-labels").encode(3, rows);

        assertThat(body.rows()).isEqualTo(2);
        String[] lines = body.toString().split("\n");
        assertThat(lines).hasSize(2);
        JsonNode first = JSON.readTree(lines[0]);
        JsonNode second = JSON.readTree(lines[1]);
        assertThat(first.get("conversation_id").asText()).isEqualTo("a");
        assertThat(first.get("kafka_partition").asInt()).isEqualTo(3);
        assertThat(first.get("kafka_offset").asLong()).isEqualTo(7);
        assertThat(second.get("conversation_id").asText()).isEqualTo("b");
        assertThat(second.get("kafka_offset").asLong()).isEqualTo(9);
        assertThat(second.get("written_at").asText()).isEqualTo(first.get("written_at").asText());
    }

    /** A batch as SinkBenchmark writes it: 36-character UUIDs, 13-digit versions and offsets, a bench topic name. */
    private static List<PendingLabel> benchBatch(int n, long firstOffset) {
        List<PendingLabel> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long offset = firstOffset + i;
            rows.add(SinkFixtures.pending(offset, label().setCustomerId("customer-" + (i % 95)).setProfileId("profile-" + (i % 7))
                    .setConversationId(java.util.UUID.nameUUIDFromBytes(Long.toString(offset).getBytes()).toString())
                    .setVersion((1L << 40) + offset).setAgentUserId("agent-" + (i % 500)).setUsecaseId("usecase-" + (i % 40))
                    .setSourceTsMs(1_717_200_000_000L + offset * 1000).build()));
        }
        return rows;
    }

    // Regression (issue 15, sink at 0.56 of a raw INSERT at bench scale 10): a fresh 512 bytes/row body per batch, too
    // small for these rows, was doubled on every batch: two humongous allocations and a 5 MB copy per INSERT.
    @Test
    void shouldSizeTheBodyOfATypicalBatchSoThatItNeverGrows() {
        LabelRowEncoder encoder = new LabelRowEncoder(Layout.REPLACING, "bench_4d168d72f6ef-labels");
        List<PendingLabel> rows = benchBatch(1_000, 1_000_000L);

        LabelRowEncoder.RowBuffer body = encoder.encode(0, rows);

        assertThat(body.capacity()).isEqualTo(rows.size() * LabelRowEncoder.ROW_BYTES_ESTIMATE);
        assertThat(body.size()).isLessThanOrEqualTo(body.capacity());
    }

    @Test
    void shouldReuseABodyForTheNextBatchWithOnlyThatBatchInIt() {
        LabelRowEncoder encoder = new LabelRowEncoder(Layout.REPLACING, "conversation-labels");
        LabelRowEncoder.RowBuffer body = encoder.encode(0, benchBatch(1_000, 0));
        int capacity = body.capacity();
        List<PendingLabel> next = benchBatch(500, 1_000);

        LabelRowEncoder.RowBuffer reused = encoder.encode(0, next, body);

        assertThat(reused).isSameAs(body);
        assertThat(reused.capacity()).isEqualTo(capacity);
        assertThat(reused.rows()).isEqualTo(500);
        // written_at is the clock of each encode: compare the rest
        String fresh = new LabelRowEncoder(Layout.REPLACING, "conversation-labels").encode(0, next).toString();
        assertThat(withoutWrittenAt(reused.toString())).isEqualTo(withoutWrittenAt(fresh));
    }

    private static String withoutWrittenAt(String body) {
        return body.replaceAll("\"written_at\":\"[^\"]*\"", "");
    }
}
