package io.cdcsentinel.sink;

import io.cdcsentinel.metrics.Meters;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.function.ToDoubleFunction;

/**
 * The sink's figures for {@code /metrics}, read from its own {@link SinkProgress} at scrape time (so the write path
 * records nothing twice): rows and batches written, retries, records sent to the dead-letter topic, tagged with the
 * table; and Kafka's own metrics of its consumer ({@code kafka_consumer_*}, tag {@code client=sink}).
 */
public final class SinkMeters implements MeterBinder {
    private final ClickHouseSink sink;

    public SinkMeters(ClickHouseSink sink) {
        this.sink = sink;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Tags table = Tags.of("table", sink.table().qualifiedName());
        counter(registry, Meters.SINK_ROWS, "label rows written to ClickHouse", table, SinkProgress::rowsWritten);
        counter(registry, Meters.SINK_BATCHES, "INSERTs written to ClickHouse", table, SinkProgress::batchesWritten);
        counter(registry, Meters.SINK_RETRIES, "INSERT attempts retried after a retriable ClickHouse error", table,
                SinkProgress::retries);
        Gauge.builder(Meters.SINK_LAG_RECORDS, sink, ClickHouseSink::lagRecords).tags(table)
                .description("label records not yet written: not fetched yet, or polled and waiting").register(registry);
        Gauge.builder(Meters.SINK_LAG_SECONDS, sink, ClickHouseSink::lagSeconds).tags(table)
                .description("age of the oldest label record polled and not yet written (0 when caught up)").register(registry);
        counter(registry, Meters.DEAD_LETTERS.name(), "records sent to the dead-letter topic, per component and reason",
                Tags.of("component", "sink", "reason", "undecodable-or-refused"), SinkProgress::deadLettered);
        sink.clientMetrics().bindTo(registry);
    }

    private void counter(MeterRegistry registry, String name, String description, Tags tags,
            ToDoubleFunction<SinkProgress> value) {
        FunctionCounter.builder(name, sink, s -> value.applyAsDouble(s.progress())).description(description).tags(tags)
                .register(registry);
    }
}
