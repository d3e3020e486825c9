package io.cdcsentinel.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** One test per line of the mapping table in {@link ChangeEvent}. */
class ChangeEventDeserializerTest {
    private final ChangeEventDeserializer deserializer = new ChangeEventDeserializer();

    static String envelope(String op, String before, String after, String source, String transaction) {
        return "{\"before\":" + before + ",\"after\":" + after + ",\"source\":" + source + ",\"transaction\":" + transaction
                + ",\"op\":\"" + op + "\",\"ts_ms\":1795522240500}";
    }

    static String source(String snapshot, String sequence, long lsn) {
        return "{\"version\":\"3.6.3.Final\",\"connector\":\"postgresql\",\"name\":\"cdc\",\"ts_ms\":1795522240254,"
                + "\"snapshot\":\"" + snapshot + "\",\"db\":\"sentinel\",\"sequence\":" + sequence + ",\"schema\":\"app\","
                + "\"table\":\"chats\",\"txId\":741,\"lsn\":" + lsn + ",\"xmin\":null}";
    }

    static final String STREAMED = source("false", "\"[\\\"22119336\\\",\\\"22118584\\\"]\"", 22118584);
    static final String TX = "{\"id\":\"741:22118584\",\"total_order\":2,\"data_collection_order\":1}";
    static final String CHAT = "{\"conversation_id\":\"c1\",\"customer_id\":\"cu\",\"profile_id\":\"p\",\"agent_user_id\":\"a1\","
            + "\"usecase_id\":\"u\",\"created_at\":\"2026-01-01T10:00:00.123456Z\",\"ended_at\":null,\"updated_at\":\"2026-01-01T10:00:00Z\"}";

    private ChangeEvent read(String json) {
        return deserializer.deserialize("cdc.app.chats", json == null ? null : json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldUseAfterForCreateReadAndUpdate() {
        for (String op : new String[] {"c", "r", "u"}) {
            ChangeEvent event = read(envelope(op, "null", CHAT, STREAMED, TX));
            assertThat(event.row().text("agent_user_id")).isEqualTo("a1");
            assertThat(event.isDelete()).isFalse();
            assertThat(event.schema()).isEqualTo("app");
            assertThat(event.table()).isEqualTo("chats");
        }
    }

    @Test
    void shouldUseBeforeForDelete() {
        ChangeEvent event = read(envelope("d", CHAT, "null", STREAMED, TX));
        assertThat(event.isDelete()).isTrue();
        assertThat(ChatRow.from(event.row()).conversationId()).isEqualTo("c1");
    }

    @Test
    void shouldParseTruncateAsANonRowChange() {
        ChangeEvent event = read(envelope("t", "null", "null", STREAMED, TX));
        assertThat(event.op()).isEqualTo(Op.TRUNCATE);
        assertThat(event.isRowChange()).isFalse();
    }

    @Test
    void shouldReturnNullForATombstone() {
        assertThat(read(null)).isNull();
    }

    @Test
    void shouldRejectUnparsableJson() {
        assertThatThrownBy(() -> read("{not json")).isInstanceOf(SerializationException.class)
                .hasMessageContaining("cdc.app.chats");
    }

    @Test
    void shouldRejectAnUnknownOp() {
        assertThatThrownBy(() -> read(envelope("x", "null", CHAT, STREAMED, TX))).isInstanceOf(SerializationException.class)
                .hasMessageContaining("unknown op 'x'");
    }

    @Test
    void shouldRejectAnEnvelopeWithoutSource() {
        assertThatThrownBy(() -> read("{\"op\":\"c\",\"after\":{}}")).isInstanceOf(SerializationException.class)
                .hasMessageContaining("source");
    }

    @Test
    void shouldUnwrapAnEnvelopeWrittenWithSchemas() {
        ChangeEvent event = read("{\"schema\":{\"type\":\"struct\"},\"payload\":" + envelope("c", "null", CHAT, STREAMED, TX) + "}");
        assertThat(event.row().text("conversation_id")).isEqualTo("c1");
    }

    @Test
    void shouldReadTheSourcePosition() {
        SourcePosition position = read(envelope("u", CHAT, CHAT, STREAMED, TX)).source();
        assertThat(position.lsn()).isEqualTo(22118584L);
        assertThat(position.lastCommitLsn()).isEqualTo(22119336L);
        assertThat(position.totalOrder()).isEqualTo(2L);
        assertThat(position.tsMs()).isEqualTo(1795522240254L);
        assertThat(position.snapshot()).isFalse();
        assertThat(position.txId()).isEqualTo(741L);
    }

    @Test
    void shouldRecogniseSnapshotRows() {
        for (String flag : new String[] {"true", "first", "last"}) {
            SourcePosition position = read(envelope("r", "null", CHAT, source(flag, "\"[null,\\\"22118560\\\"]\"", 22118560), "null"))
                    .source();
            assertThat(position.snapshot()).isTrue();
            assertThat(position.lastCommitLsn()).isNull();
        }
    }

    @Test
    void shouldOrderAnIncrementalSnapshotRowAtThePositionTheConnectorHadStreamedTo() {
        // what a read-only incremental snapshot writes (BackfillIT): no lsn, the streamed position second in sequence
        String source = source("incremental", "\"[null,\\\"30771408\\\"]\"", 0).replace("\"lsn\":0", "\"lsn\":null");
        SourcePosition position = read(envelope("r", "null", CHAT, source, "null")).source();
        assertThat(position.snapshot()).isTrue();
        assertThat(position.lsn()).isEqualTo(30771408L);
        assertThat(position.version()).isEqualTo(30771408L << 16);
    }

    @Test
    void shouldRejectAStreamedChangeWithoutLsnEvenWithASequence() {
        String source = source("false", "\"[null,\\\"30771408\\\"]\"", 0).replace("\"lsn\":0", "\"lsn\":null");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> read(envelope("u", "null", CHAT, source, TX)))
                .hasMessageContaining("lsn");
    }

    @Test
    void shouldParseTimestampsToMicros() {
        Row row = read(envelope("c", "null", CHAT, STREAMED, TX)).row();
        assertThat(row.micros("created_at")).isEqualTo(1767261600123456L);
        assertThat(row.micros("ended_at")).isNull();
    }

    @Test
    void shouldRejectAMissingKeyColumnWhenTyped() {
        Row row = read(envelope("c", "null", "{\"customer_id\":\"cu\",\"profile_id\":\"p\"}", STREAMED, TX)).row();
        assertThatThrownBy(() -> ChatRow.from(row)).isInstanceOf(BadChangeException.class)
                .hasMessageContaining("conversation_id");
    }

    @Test
    void shouldUnwrapAnEnvelopeWhoseSchemaComesAfterItsPayload() {
        ChangeEvent event = read("{\"payload\":" + envelope("c", "null", CHAT, STREAMED, TX)
                + ",\"schema\":{\"type\":\"struct\",\"fields\":[{\"field\":\"op\"}]}}");
        assertThat(event.row().text("conversation_id")).isEqualTo("c1");
    }

    @Test
    void shouldRejectASchemaEnvelopeWhosePayloadIsNotAnObject() {
        assertThatThrownBy(() -> read("{\"schema\":{},\"payload\":null}")).isInstanceOf(SerializationException.class)
                .hasMessageContaining("payload is not a JSON object");
    }

    @Test
    void shouldReadAnEnvelopeWithoutSchemaThatHasAPayloadColumnAsTheEnvelope() {
        String withPayloadField = envelope("c", "null", CHAT, STREAMED, TX).replaceFirst("^\\{", "{\"payload\":{\"op\":\"x\"},");
        assertThat(read(withPayloadField).row().text("conversation_id")).isEqualTo("c1");
    }

    @Test
    void shouldRejectARowImageThatIsNotAnObject() {
        assertThatThrownBy(() -> read(envelope("c", "null", "[1,2]", STREAMED, TX))).isInstanceOf(SerializationException.class)
                .hasMessageContaining("row image is not a JSON object");
    }

    @Test
    void shouldRejectASourceWithoutNumericLsn() {
        String textLsn = envelope("c", "null", CHAT, STREAMED, TX).replace("\"lsn\":22118584", "\"lsn\":\"22118584\"");
        assertThatThrownBy(() -> read(textLsn)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("numeric lsn and ts_ms");
    }

    @Test
    void shouldReadEverySequenceFormTheSameWay() {
        // Debezium's own form (read without a JSON parser), then forms only a JSON parser reads
        assertThat(positionWithSequence("\"[\\\"22119336\\\",\\\"22118584\\\"]\"").lastCommitLsn()).isEqualTo(22119336L);
        assertThat(positionWithSequence("\"[\\\"22119336\\\",null]\"").lastCommitLsn()).isEqualTo(22119336L);
        assertThat(positionWithSequence("\"[ \\\"7\\\", \\\"8\\\" ]\"").lastCommitLsn()).isEqualTo(7L);
        assertThat(positionWithSequence("\"[7,8]\"").lastCommitLsn()).isEqualTo(7L);
        assertThat(positionWithSequence("[\"7\",\"8\"]").lastCommitLsn()).isEqualTo(7L);
        assertThat(positionWithSequence("\"[null,\\\"8\\\"]\"").lastCommitLsn()).isNull();
        assertThat(positionWithSequence("\"[\\\"7\\\"]\"").lastCommitLsn()).isNull();
        assertThat(positionWithSequence("null").lastCommitLsn()).isNull();
        assertThatThrownBy(() -> positionWithSequence("\"[\\\"x\\\",\\\"8\\\"]\"")).isInstanceOf(SerializationException.class)
                .hasMessageContaining("unreadable source.sequence");
        assertThatThrownBy(() -> positionWithSequence("\"[\\\"7\\\",\\\"8\\\"\"")).isInstanceOf(SerializationException.class)
                .hasMessageContaining("unreadable source.sequence");
    }

    private SourcePosition positionWithSequence(String sequence) {
        return read(envelope("c", "null", CHAT, source("false", sequence, 22118584), TX)).source();
    }

    @Test
    void shouldKeepNonStringColumnsAsJsonWouldRenderThem() {
        Row row = read(envelope("c", "null", "{\"a\":42,\"b\":12345678901,\"c\":1.5,\"d\":true,\"e\":{\"x\":1},"
                + "\"f\":\" 7 \",\"g\":null,\"a\":43}", STREAMED, TX)).row();
        assertThat(row.text("a")).isEqualTo("43");
        assertThat(row.integer("a")).isEqualTo(43);
        assertThat(row.text("b")).isEqualTo("12345678901");
        assertThat(row.micros("b")).isEqualTo(12345678901L);
        assertThat(row.text("c")).isEqualTo("1.5");
        assertThat(row.text("d")).isEqualTo("true");
        assertThat(row.text("e")).isEmpty();
        assertThat(row.integer("f")).isEqualTo(7);
        assertThat(row.has("g")).isTrue();
        assertThat(row.text("g")).isNull();
        assertThat(row.has("h")).isFalse();
        assertThatThrownBy(() -> row.integer("c")).isInstanceOf(BadChangeException.class).hasMessageContaining("1.5");
        assertThatThrownBy(() -> row.micros("d")).isInstanceOf(BadChangeException.class).hasMessageContaining("true");
    }
}
