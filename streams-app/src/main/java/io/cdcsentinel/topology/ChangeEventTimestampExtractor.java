package io.cdcsentinel.topology;

import io.cdcsentinel.cdc.ChangeEvent;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * Event time of a CDC record = the source transaction's commit time ({@code source.ts_ms}), not the
 * time the record reached Kafka. Stream time, and with it every stream-time punctuation (grace and
 * settle timers), therefore follows PostgreSQL's clock and is the same when the topics are replayed.
 * Records that are not change events (tombstones, internal topics) keep their record timestamp, or
 * the partition time when that is invalid.
 */
public final class ChangeEventTimestampExtractor implements TimestampExtractor {
    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        if (record.value() instanceof ChangeEvent event) {
            return event.source().tsMs();
        }
        long ts = record.timestamp();
        return ts >= 0 ? ts : Math.max(partitionTime, 0L);
    }
}
