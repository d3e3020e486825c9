package io.cdcsentinel.sink;

import io.cdcsentinel.avro.ConversationLabel;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Records and failures for the unit tests of the sink's parts (no server). */
final class SinkFixtures {
    static final String TOPIC = "conversation-labels";

    private SinkFixtures() {
    }

    static ConsumerRecord<byte[], byte[]> record(int partition, long offset, String value) {
        return new ConsumerRecord<>(TOPIC, partition, offset, ("key-" + offset).getBytes(), value == null ? null : value.getBytes());
    }

    static PendingLabel pending(long offset, ConversationLabel label) {
        return new PendingLabel(label, record(0, offset, "label"));
    }

    /** What ClickHouseErrors retries: an I/O failure (connection refused, reset, timeout). */
    static RuntimeException retriable() {
        return new UncheckedIOException(new IOException("Connection refused"));
    }

    /** What it does not: anything without an I/O cause or a retriable server code. */
    static RuntimeException fatal() {
        return new IllegalArgumentException("Code: 62, syntax error");
    }
}
