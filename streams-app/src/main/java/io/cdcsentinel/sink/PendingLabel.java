package io.cdcsentinel.sink;

import io.cdcsentinel.avro.ConversationLabel;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** A decoded label and the record it came from: one row of a batch, on its way to ClickHouse. */
record PendingLabel(ConversationLabel label, ConsumerRecord<byte[], byte[]> record) {
    long offset() {
        return record.offset();
    }
}
