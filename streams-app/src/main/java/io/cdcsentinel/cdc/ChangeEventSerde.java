package io.cdcsentinel.cdc;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serde for the CDC source topics. Read-only: this project never writes Debezium envelopes back to
 * Kafka from a topology, so serializing is an error.
 */
public final class ChangeEventSerde implements Serde<ChangeEvent> {
    @Override
    public Serializer<ChangeEvent> serializer() {
        return (topic, data) -> {
            throw new SerializationException("ChangeEvent is read-only; refusing to write to " + topic);
        };
    }

    @Override
    public Deserializer<ChangeEvent> deserializer() {
        return new ChangeEventDeserializer();
    }
}
