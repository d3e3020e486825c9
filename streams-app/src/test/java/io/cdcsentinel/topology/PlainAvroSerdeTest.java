package io.cdcsentinel.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdcsentinel.avro.DecisionClock;
import io.cdcsentinel.avro.GapEventType;
import io.cdcsentinel.avro.GapStage;
import io.cdcsentinel.avro.ScorecardGapEvent;
import io.cdcsentinel.avro.ScorecardGapKey;
import io.cdcsentinel.avro.internal.gaps.GapInput;
import io.cdcsentinel.avro.internal.gaps.GapStatus;
import io.cdcsentinel.avro.internal.gaps.GapTransition;
import io.cdcsentinel.avro.internal.gaps.HistoricLink;
import io.cdcsentinel.avro.internal.gaps.RateContribution;
import io.cdcsentinel.avro.internal.gaps.ScoreLink;
import io.cdcsentinel.avro.internal.gaps.ScorecardChange;
import io.cdcsentinel.avro.internal.gaps.ScorecardFacts;
import io.cdcsentinel.avro.internal.gaps.ScorecardGapState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;

class PlainAvroSerdeTest {
    private final PlainAvroSerde<ScorecardGapKey> serde = new PlainAvroSerde<>(ScorecardGapKey.class);
    private final Serializer<ScorecardGapKey> serializer = serde.serializer();
    private final Deserializer<ScorecardGapKey> deserializer = serde.deserializer();

    @Test
    void shouldRoundTripRecordsOfEverySizeWithTheReusedBuffers() {
        for (int length : new int[] {0, 1, 300, 5_000, 3, 70_000, 2}) {
            ScorecardGapKey key = new ScorecardGapKey("c", "p", "s".repeat(length));
            byte[] bytes = serializer.serialize("t", key);
            assertThat(bytes).hasSize(2 + 2 + sizeOfLength(length) + length);
            assertThat(deserializer.deserialize("t", bytes)).isEqualTo(key);
        }
    }

    @Test
    void shouldNotLeakAFailedWriteIntoTheNextRecord() {
        ScorecardGapKey good = new ScorecardGapKey("customer", "profile", "scorecard");
        byte[] expected = serializer.serialize("t", good);
        ScorecardGapKey bad = new ScorecardGapKey("customer", "profile", null);
        assertThatThrownBy(() -> serializer.serialize("t", bad)).isInstanceOf(SerializationException.class);
        assertThat(serializer.serialize("t", good)).isEqualTo(expected);
    }

    @Test
    void shouldPassNullsThrough() {
        assertThat(serializer.serialize("t", null)).isNull();
        assertThat(deserializer.deserialize("t", null)).isNull();
    }

    /**
     * Changelogs and repartition topics written by a build that used Avro's schema-walking coding must still
     * be read, and vice versa: the generated custom coders must give exactly the same bytes.
     */
    @Test
    void shouldWriteAndReadTheSameBytesAsAvrosDefaultCoding() {
        ScorecardFacts facts = new ScorecardFacts("template", "conversation", null, "", 1_700_000_000_000_001L, null, 5L);
        ScorecardGapState state = ScorecardGapState.newBuilder()
                .setStatus(GapStatus.OPEN).setFacts(facts).setHardDeleted(false)
                .setScoreIds(new ArrayList<>(List.of("s1", "s2", "s3"))).setHistoricCriteria(new ArrayList<>())
                .setFirstSeenMs(17L).setSubmissionSeen(true).setStage(GapStage.AFTER_SUBMIT).setDeadlineMs(null)
                .setDetectedMs(99L).setSettledMs(null).setTimerMs(123L).setSourceLsn(456L).setSourceTsMs(789L)
                .setContribution(new RateContribution(1L, true, true, false)).setRoutingConversation("")
                .setEventsEmitted(2).build();
        ScorecardGapEvent event = ScorecardGapEvent.newBuilder()
                .setEventType(GapEventType.OPENED).setCustomer("c").setProfile("p").setScorecardId("s")
                .setTemplateId(null).setConversationId("conv").setProcessScorecard(false).setConversationExists(true)
                .setConversationEnded(false).setScorecardType(0).setCalibratedScorecardId(null).setDeleted(false)
                .setCreatedAt(Instant.parse("2026-01-21T10:00:00.123456Z")).setSubmittedAt(null)
                .setDirectorScoreCount(3).setHistoricRowCount(0).setStage(GapStage.AFTER_CREATE)
                .setDetectedAt(Instant.ofEpochMilli(1_000L)).setDecidedAt(Instant.ofEpochMilli(2_000L))
                .setOpenMillis(null).setWithdrawReason(null).setClock(DecisionClock.STREAM_TIME)
                .setSourceLsn(1L).setSourceTsMs(2L).build();
        assertSameBytes(ScorecardGapState.class, state);
        assertSameBytes(GapInput.class, new GapInput(1L, 2L, false, 0, new ScorecardChange(false, facts)));
        assertSameBytes(GapInput.class, new GapInput(1L, 2L, true, -1, new ScoreLink("score", true)));
        assertSameBytes(GapInput.class, new GapInput(1L, 2L, false, 3, new HistoricLink("criterion", false)));
        assertSameBytes(GapTransition.class, new GapTransition("c", "p", "s", event));
        assertSameBytes(ScorecardGapEvent.class, event);
    }

    private static <T extends SpecificRecord> void assertSameBytes(Class<T> type, T value) {
        PlainAvroSerde<T> plain = new PlainAvroSerde<>(type);
        byte[] expected = defaultCoding(value);
        assertThat(plain.serializer().serialize("t", value)).isEqualTo(expected);
        assertThat(plain.deserializer().deserialize("t", expected)).isEqualTo(value);
    }

    private static <T extends SpecificRecord> byte[] defaultCoding(T value) {
        @SuppressWarnings("unchecked")
        SpecificDatumWriter<T> writer = new SpecificDatumWriter<>((Class<T>) value.getClass());
        assertThat(writer.getSpecificData().useCustomCoders()).isFalse();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        try {
            writer.write(value, encoder);
            encoder.flush();
            // and the default reader reads it back: the expected bytes are a real round trip
            @SuppressWarnings("unchecked")
            SpecificDatumReader<T> reader = new SpecificDatumReader<>((Class<T>) value.getClass());
            assertThat(reader.read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null))).isEqualTo(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static int sizeOfLength(int length) {
        int zigzag = length << 1;
        int bytes = 1;
        while ((zigzag >>>= 7) != 0) {
            bytes++;
        }
        return bytes;
    }
}
