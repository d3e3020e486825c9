package io.cdcsentinel.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdcsentinel.avro.ScorecardGapKey;
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

    private static int sizeOfLength(int length) {
        int zigzag = length << 1;
        int bytes = 1;
        while ((zigzag >>>= 7) != 0) {
            bytes++;
        }
        return bytes;
    }
}
