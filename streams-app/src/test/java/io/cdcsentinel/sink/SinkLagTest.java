package io.cdcsentinel.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class SinkLagTest {
    private static final TopicPartition P0 = new TopicPartition("labels", 0);
    private static final TopicPartition P1 = new TopicPartition("labels", 1);

    private static ConsumerRecords<byte[], byte[]> poll(TopicPartition tp, long firstOffset, int n, long firstTs) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            records.add(new ConsumerRecord<>(tp.topic(), tp.partition(), firstOffset + i, firstTs + i, TimestampType.CREATE_TIME,
                    0, 0, new byte[0], new byte[0], new RecordHeaders(), java.util.Optional.empty()));
        }
        return new ConsumerRecords<>(Map.of(tp, records), Map.of());
    }

    @Test
    void shouldCountPolledRecordsUntilWrittenAndAgeTheOldestUnwrittenOne() {
        SinkLag lag = new SinkLag();
        assertThat(lag.seconds(10_000)).isZero();

        lag.polled(poll(P0, 100, 10, 1_000));
        lag.polled(poll(P1, 0, 5, 4_000));
        lag.unfetched(7);
        assertThat(lag.records()).isEqualTo(7 + 15);
        assertThat(lag.seconds(11_000)).isEqualTo(10.0);

        lag.written(P0, 110);
        assertThat(lag.records()).isEqualTo(7 + 5);
        assertThat(lag.seconds(11_000)).as("now the oldest is P1's").isEqualTo(7.0);

        lag.written(P1, 3);
        assertThat(lag.records()).as("a chunk written in part").isEqualTo(7 + 2);
        lag.forget(P1);
        lag.unfetched(0);
        assertThat(lag.records()).isZero();
        assertThat(lag.seconds(11_000)).isZero();
    }
}
