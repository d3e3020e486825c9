package io.cdcsentinel.topology.gaps;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.StreamsMetrics;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * Counters of the records the topology deliberately does not apply (as opposed to bad records, which the
 * exception handlers count in Kafka Streams' {@code dropped-records} and send to the dead-letter topic).
 * Each is a rate/total pair in the group {@code stream-cdc-sentinel-gaps-metrics}, tagged with the task.
 */
final class GapMetrics {
    private static final String SCOPE = "cdc-sentinel-gaps";

    private final StreamsMetrics metrics;
    private final String task;
    private final Map<String, Sensor> sensors = new HashMap<>();

    GapMetrics(ProcessorContext<?, ?> context) {
        this.metrics = context.metrics();
        this.task = context.taskId().toString();
    }

    /** A key-only delete of a score whose scorecard the index no longer knows. */
    void unknownScoreDelete() {
        record("unknown-score-delete");
    }

    /** An update of a score without a before image while the score index is off: a move cannot be seen. */
    void scoreUpdateWithoutBefore() {
        record("score-update-without-before");
    }

    /** A scorecard first seen (outside a snapshot) longer than the settled retention after its creation. */
    void lateScorecardIgnored() {
        record("late-scorecard-ignored");
    }

    /** A roll-up change for a bucket already past the rate retention. */
    void expiredBucketChange() {
        record("expired-bucket-change");
    }

    private void record(String operation) {
        sensors.computeIfAbsent(operation,
                op -> metrics.addRateTotalSensor(SCOPE, task, op, Sensor.RecordingLevel.INFO)).record();
    }

    void close() {
        sensors.values().forEach(metrics::removeSensor);
        sensors.clear();
    }
}
