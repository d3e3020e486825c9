package io.cdcsentinel.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class BoundedTimestampExtractorTest {

    private static ConsumerRecord<Object, Object> record(String topic, int partition, long offset) {
        return new ConsumerRecord<>(topic, partition, offset, 1_000L + offset, org.apache.kafka.common.record.TimestampType.CREATE_TIME,
                0, 0, null, null, new org.apache.kafka.common.header.internals.RecordHeaders(), java.util.Optional.empty());
    }

    @Test
    void shouldSkipRecordsAtOrBeyondTheEndOfTheirPartitionOnly() {
        Map<String, Long> ends = new TreeMap<>(Map.of("cdc.app.chats-0", 5L, "cdc.app.chats-1", 0L));
        BoundedTimestampExtractor extractor = new BoundedTimestampExtractor();
        extractor.configure(Map.of(BoundedTimestampExtractor.END_OFFSETS, BoundedTimestampExtractor.format(ends)));
        assertThat(extractor.extract(record("cdc.app.chats", 0, 4), 77)).as("a tombstone takes the partition time").isEqualTo(77L);
        assertThat(extractor.extract(record("cdc.app.chats", 0, 5), 0)).isNegative();
        assertThat(extractor.extract(record("cdc.app.chats", 1, 0), 0)).as("an empty partition").isNegative();
        assertThat(extractor.extract(record("cdc.app.chats", 2, 0), 0)).as("a partition added later").isNegative();
        assertThat(extractor.extract(record("app-labels-repartition", 0, 99), 0)).as("internal topics unbounded").isEqualTo(1_099L);
    }

    @Test
    void shouldReadBackWhatItFormats() {
        Map<String, Long> ends = new TreeMap<>(Map.of("a.b-c.d-0", 3L, "a.b-c.d-11", 7L));
        assertThat(BoundedTimestampExtractor.parse(BoundedTimestampExtractor.format(ends)))
                .isEqualTo(Map.of("a.b-c.d", Map.of(0, 3L, 11, 7L)));
    }
}
