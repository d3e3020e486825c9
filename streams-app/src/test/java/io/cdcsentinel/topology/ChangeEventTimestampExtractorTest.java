package io.cdcsentinel.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcsentinel.cdc.ChangeEvent;
import io.cdcsentinel.cdc.Op;
import io.cdcsentinel.cdc.SourcePosition;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class ChangeEventTimestampExtractorTest {
    private static final long WALL_CLOCK = 1_900_000_000_000L;
    private final ChangeEventTimestampExtractor extractor = new ChangeEventTimestampExtractor();

    @Test
    void shouldUseTheSourceCommitTimeOfAChangeEvent() {
        ChangeEvent event = new ChangeEvent("director", "scores", Op.CREATE, null, null,
                new SourcePosition(1, null, null, 1_700_000_000_000L, false, 1L));
        assertThat(extractor.extract(record("cdc.director.scores", event), 5L)).isEqualTo(1_700_000_000_000L);
    }

    @Test
    void shouldGiveADebeziumTombstoneThePartitionTimeNotTheWallClockItWasProducedAt() {
        assertThat(extractor.extract(record("cdc.director.scores", null), 1_700_000_000_000L)).isEqualTo(1_700_000_000_000L);
        assertThat(extractor.extract(record("cdc.director.scores", null), -1L)).isZero();
    }

    @Test
    void shouldKeepTheRecordTimestampOnInternalTopics() {
        assertThat(extractor.extract(record("app-gaps-chats-by-conversation-repartition", null), 5L)).isEqualTo(WALL_CLOCK);
        assertThat(extractor.extract(record("app-gaps-state-changelog", "x"), 5L)).isEqualTo(WALL_CLOCK);
    }

    private static ConsumerRecord<Object, Object> record(String topic, Object value) {
        return new ConsumerRecord<>(topic, 0, 0L, WALL_CLOCK, TimestampType.CREATE_TIME, 0, 0, "k", value,
                new RecordHeaders(), Optional.empty());
    }
}
