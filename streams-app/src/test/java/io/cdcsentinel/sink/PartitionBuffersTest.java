package io.cdcsentinel.sink;

import static io.cdcsentinel.sink.SinkFixtures.TOPIC;
import static io.cdcsentinel.sink.SinkFixtures.record;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PartitionBuffersTest {
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);
    private static final long MS = 1_000_000L;

    private final PartitionBuffers buffers = new PartitionBuffers(3, Duration.ofMillis(100));
    private final List<String> written = new ArrayList<>();

    private void flushDue(long now) {
        buffers.forEachDue(now, (tp, batch) -> written.add(tp.partition() + ":" + offsets(batch)));
    }

    private static List<Long> offsets(List<ConsumerRecord<byte[], byte[]>> batch) {
        return batch.stream().map(ConsumerRecord::offset).toList();
    }

    private void add(int partition, long from, long to, long now) {
        for (long o = from; o <= to; o++) {
            buffers.add(record(partition, o, "v"), now);
        }
    }

    @Test
    void shouldWriteFullBatchesAtOnceAndKeepTheRestUntilTheLingerHasPassed() {
        add(0, 0, 6, 0);

        flushDue(10 * MS);

        assertThat(written).containsExactly("0:[0, 1, 2]", "0:[3, 4, 5]");
        written.clear();
        flushDue(10 * MS + 99 * MS);
        assertThat(written).as("offset 6 waits from the last full batch on").isEmpty();
        flushDue(10 * MS + 100 * MS);
        assertThat(written).containsExactly("0:[6]");
    }

    @Test
    void shouldBatchEachPartitionOnItsOwnInOffsetOrder() {
        add(1, 10, 11, 0);
        add(0, 0, 3, 0);

        flushDue(100 * MS);

        // what stays after a full batch counts as arrived now: offset 3 waits a linger of its own
        assertThat(written).containsExactly("1:[10, 11]", "0:[0, 1, 2]");
    }

    @Test
    void shouldLeaveWhatTheWriterDidNotTakeInTheBufferWhenTheWriteFails() {
        add(0, 0, 5, 0);
        try {
            buffers.forEachDue(0, (tp, batch) -> {
                throw new IllegalStateException("ClickHouse down");
            });
        } catch (IllegalStateException expected) {
            // the first batch was handed over and is gone; the second one was never taken
        }

        assertThat(offsets(buffers.takeBatch(P0, 0))).containsExactly(3L, 4L, 5L);
    }

    @Test
    void shouldPollUntilTheOldestPartialBatchIsDueAndNoLongerThanTheIdleWait() {
        assertThat(buffers.pollTimeout(0, false)).isEqualTo(PartitionBuffers.IDLE_POLL);
        assertThat(buffers.pollTimeout(0, true)).isEqualTo(PartitionBuffers.IDLE_POLL_WHILE_INSERTING);

        add(0, 0, 0, 0);
        add(1, 0, 0, 50 * MS);

        assertThat(buffers.pollTimeout(30 * MS, false)).isEqualTo(Duration.ofMillis(70));
        assertThat(buffers.pollTimeout(30 * MS, true)).isEqualTo(Duration.ofMillis(10));
        assertThat(buffers.pollTimeout(500 * MS, false)).isZero();
    }

    @Test
    void shouldTakeEverythingOfAPartitionInBatchesWhenAskedToFlushIt() {
        add(0, 0, 4, 0);

        assertThat(offsets(buffers.takeBatch(P0, 0))).containsExactly(0L, 1L, 2L);
        assertThat(offsets(buffers.takeBatch(P0, 0))).containsExactly(3L, 4L);
        assertThat(buffers.takeBatch(P0, 0)).isEmpty();
        assertThat(buffers.takeBatch(P1, 0)).isEmpty();
    }

    @Test
    void shouldSayHowManyRecordsARemovedPartitionStillHeld() {
        add(0, 0, 1, 0);
        add(1, 0, 0, 0);

        assertThat(buffers.partitions()).containsExactly(P0, P1);
        assertThat(buffers.remove(P0)).isEqualTo(2);
        assertThat(buffers.remove(P0)).isZero();
        assertThat(buffers.partitions()).containsExactly(P1);
        buffers.clear();
        assertThat(buffers.partitions()).isEmpty();
    }
}
