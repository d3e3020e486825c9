package io.cdcsentinel.topology;

import io.cdcsentinel.cdc.ChangeEvent;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * Event time of a CDC record = the source transaction's commit time ({@code source.ts_ms}), not the
 * time the record reached Kafka. Stream time, and with it every stream-time punctuation (grace and
 * settle timers), therefore follows PostgreSQL's clock and is the same when the topics are replayed.
 *
 * <p>A tombstone on a CDC topic (the null value Debezium writes after each delete) has no event time of
 * its own, and its record timestamp is the wall clock of whoever produced it: taking it would move stream
 * time to "now" in the middle of a replay. It gets the partition time instead, i.e. the time of the delete
 * it follows. Records of internal topics (repartition, changelog) keep their record timestamp, which the
 * topology set from the source commit time, or the partition time when that is invalid.
 */
public final class ChangeEventTimestampExtractor implements TimestampExtractor {
    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        if (record.value() instanceof ChangeEvent event) {
            return event.source().tsMs();
        }
        if (record.value() == null && !isInternal(record.topic())) {
            return Math.max(partitionTime, 0L);
        }
        long ts = record.timestamp();
        return ts >= 0 ? ts : Math.max(partitionTime, 0L);
    }

    private static boolean isInternal(String topic) {
        return topic.endsWith("-repartition") || topic.endsWith("-changelog");
    }
}
