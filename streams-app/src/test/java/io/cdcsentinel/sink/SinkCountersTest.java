package io.cdcsentinel.sink;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SinkCountersTest {

    @Test
    void shouldReportEveryCounterAndACopyOfTheOffsets() {
        SinkCounters counters = new SinkCounters();
        counters.recordsConsumed.addAndGet(10);
        counters.rowsWritten.addAndGet(7);
        counters.batchesWritten.incrementAndGet();
        counters.tombstones.incrementAndGet();
        counters.superseded.addAndGet(2);
        counters.deadLettered.incrementAndGet();
        counters.retries.addAndGet(3);
        counters.mutations.incrementAndGet();
        counters.lastOffsets.put(0, 9L);

        SinkProgress progress = counters.snapshot(ClickHouseSink.State.FAILED, new IllegalStateException("gave up"));
        counters.lastOffsets.put(0, 19L);

        assertThat(progress).isEqualTo(new SinkProgress(ClickHouseSink.State.FAILED, 10, 7, 1, 1, 2, 1, 3, 1,
                java.util.Map.of(0, 9L), "gave up"));
        assertThat(counters.snapshot(ClickHouseSink.State.RUNNING, null).failure()).isNull();
    }
}
