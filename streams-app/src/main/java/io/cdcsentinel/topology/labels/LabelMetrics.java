package io.cdcsentinel.topology.labels;

import io.cdcsentinel.cdc.ChangeEvent;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.api.ProcessingContext;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counters of one label processor instance, as Kafka Streams custom metrics (group
 * {@code stream-cdc-sentinel-labels-metrics}, {@code <operation>-total} and {@code <operation>-rate}, tagged
 * {@code cdc-sentinel-labels-id=<task>-<processor>}): {@code labels-written-final}, {@code -correction},
 * {@code -delete}, {@code changes-beyond-retention}, {@code non-row-changes-skipped}. Records sent to the dead-letter topic are not counted here: Streams counts
 * them in its {@code dropped-records} metric.
 */
final class LabelMetrics {
    static final String SCOPE = "cdc-sentinel-labels";
    static final String NON_ROW_SKIPPED = "non-row-changes-skipped";
    static final String BEYOND_RETENTION = "changes-beyond-retention";
    static final String WRITTEN_PREFIX = "labels-written-";

    private static final Logger LOG = LoggerFactory.getLogger(LabelMetrics.class);

    private final String entity;
    private final Map<String, Sensor> sensors = new HashMap<>();

    private LabelMetrics(String entity) {
        this.entity = entity;
    }

    static LabelMetrics register(ProcessingContext context, String processor) {
        return new LabelMetrics(context.taskId() + "-" + processor);
    }

    void record(ProcessingContext context, String operation) {
        sensors.computeIfAbsent(operation, op -> context.metrics().addRateTotalSensor(SCOPE, entity, op,
                Sensor.RecordingLevel.INFO)).record();
    }

    void skippedNonRowChange(ProcessingContext context, ChangeEvent change) {
        record(context, NON_ROW_SKIPPED);
        // A truncate is worth a warning: the labels already written for the truncated rows stay as they are.
        LOG.warn("skipping '{}' change of {}.{} at {}: not a row change, labels are not affected", change.op().code(),
                change.schema(), change.table(), where(context));
    }

    void close(ProcessingContext context) {
        sensors.values().forEach(context.metrics()::removeSensor);
        sensors.clear();
    }

    /** topic/partition/offset of the record being processed, for logs. */
    static String where(ProcessingContext context) {
        return context.recordMetadata().map(LabelMetrics::where).orElse("(punctuation)");
    }

    private static String where(RecordMetadata m) {
        return m.topic() + "/" + m.partition() + "@" + m.offset();
    }
}
