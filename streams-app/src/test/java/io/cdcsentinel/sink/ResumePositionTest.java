package io.cdcsentinel.sink;

import static io.cdcsentinel.sink.SinkFixtures.TOPIC;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.internals.AutoOffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class ResumePositionTest {
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);
    private static final String TABLE = "db.conversation_labels";

    private static OffsetAndMetadata committed(long offset) {
        return new OffsetAndMetadata(offset);
    }

    @Test
    void shouldResumeAfterTheHighestOffsetClickHouseHolds() {
        assertThat(ResumePosition.of(TABLE, P0, Map.of(0, 41L), committed(30), 100L)).isEqualTo(ResumePosition.at(P0, 42));
        assertThat(ResumePosition.of(TABLE, P0, Map.of(0, 41L), null, 100L)).isEqualTo(ResumePosition.at(P0, 42));
    }

    @Test
    void shouldResumeAtTheCommittedOffsetWhenItIsAheadOfTheRows() {
        // tombstones and dead letters after the last row leave no row but were committed
        assertThat(ResumePosition.of(TABLE, P0, Map.of(0, 41L), committed(50), 100L)).isEqualTo(ResumePosition.at(P0, 50));
    }

    @Test
    void shouldResumeAPartitionWithoutRowsAtItsCommittedOffsetOrTheBeginning() {
        Map<Integer, Long> onlyP0 = Map.of(0, 41L);
        assertThat(ResumePosition.of(TABLE, P1, onlyP0, committed(7), 100L)).isEqualTo(ResumePosition.at(P1, 7));
        assertThat(ResumePosition.of(TABLE, P1, onlyP0, null, 100L)).isEqualTo(ResumePosition.beginning(P1));
    }

    @Test
    void shouldFillANewTableFromTheBeginningWhateverTheGroupCommitted() {
        ResumePosition position = ResumePosition.of(TABLE, P0, Map.of(), committed(90), 100L);

        assertThat(position.fromBeginning()).isTrue();
    }

    @Test
    void shouldRefuseATableThatHoldsOffsetsBeyondTheEndOfThePartition() {
        assertThatThrownBy(() -> ResumePosition.of(TABLE, P0, Map.of(0, 100L), committed(5), 100L))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(TABLE + " holds offset 100 of " + P0 + " but the partition ends at 100")
                .hasMessageContaining("kafka_topic = '" + TOPIC + "'");
        assertThat(ResumePosition.of(TABLE, P0, Map.of(0, 99L), null, 100L)).isEqualTo(ResumePosition.at(P0, 100));
        assertThat(ResumePosition.of(TABLE, P0, Map.of(0, 100L), null, null)).as("end unknown").isEqualTo(ResumePosition.at(P0, 101));
    }

    @Test
    void shouldMoveTheConsumerThere() {
        try (MockConsumer<byte[], byte[]> consumer = new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name())) {
            consumer.assign(List.of(P0, P1));
            consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 3L));

            ResumePosition.at(P0, 42).applyTo(consumer);
            ResumePosition.beginning(P1).applyTo(consumer);

            assertThat(consumer.position(P0)).isEqualTo(42);
            assertThat(consumer.position(P1)).isEqualTo(3);
        }
    }
}
