package io.cdcsentinel.cdc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads a Debezium envelope written by the JSON converter, with schemas disabled (this project's
 * default) or enabled ({@code {"schema":..., "payload":...}}). A null value (the tombstone after a
 * delete) deserializes to null. Anything that is not a usable envelope throws a
 * {@link SerializationException}, which Kafka Streams hands to the deserialization exception handler,
 * which sends the original bytes to the dead-letter topic.
 */
public final class ChangeEventDeserializer implements Deserializer<ChangeEvent> {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Override
    public ChangeEvent deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        try {
            return parse(MAPPER.readTree(data));
        } catch (JsonProcessingException e) {
            throw new SerializationException("unparsable Debezium envelope on " + topic + ": " + e.getOriginalMessage(), e);
        } catch (IOException | BadChangeException e) {
            throw new SerializationException("unusable Debezium envelope on " + topic + ": " + e.getMessage(), e);
        }
    }

    public static ChangeEvent parse(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new BadChangeException("envelope is not a JSON object");
        }
        JsonNode envelope = root.has("payload") && root.has("schema") ? root.get("payload") : root;
        if (envelope == null || !envelope.isObject()) {
            throw new BadChangeException("envelope payload is not a JSON object");
        }
        Op op = Op.fromCode(textOrNull(envelope.get("op")));
        JsonNode source = envelope.get("source");
        if (source == null || !source.isObject()) {
            throw new BadChangeException("envelope without source block");
        }
        Row before = row(envelope.get("before"));
        Row after = row(envelope.get("after"));
        return new ChangeEvent(textOrNull(source.get("schema")), textOrNull(source.get("table")), op, before, after,
                position(source, envelope.get("transaction")));
    }

    private static Row row(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw new BadChangeException("row image is not a JSON object");
        }
        return new Row(node);
    }

    static SourcePosition position(JsonNode source, JsonNode transaction) {
        JsonNode lsn = source.get("lsn");
        JsonNode ts = source.get("ts_ms");
        if (lsn == null || !lsn.canConvertToLong() || ts == null || !ts.canConvertToLong()) {
            throw new BadChangeException("source block without numeric lsn and ts_ms");
        }
        Long lastCommit = null;
        JsonNode sequence = source.get("sequence");
        if (sequence != null && !sequence.isNull()) {
            try {
                JsonNode parsed = sequence.isTextual() ? MAPPER.readTree(sequence.asText()) : sequence;
                if (parsed.isArray() && parsed.size() == 2 && !parsed.get(0).isNull()) {
                    lastCommit = Long.parseLong(parsed.get(0).asText());
                }
            } catch (IOException | NumberFormatException e) {
                throw new BadChangeException("unreadable source.sequence " + sequence);
            }
        }
        JsonNode snapshot = source.get("snapshot");
        boolean isSnapshot = snapshot != null && !snapshot.isNull() && !"false".equals(snapshot.asText());
        JsonNode txId = source.get("txId");
        Long totalOrder = null;
        if (transaction != null && transaction.isObject()) {
            JsonNode order = transaction.get("total_order");
            if (order != null && !order.isNull()) {
                totalOrder = order.asLong();
            }
        }
        return new SourcePosition(lsn.asLong(), lastCommit, txId == null || txId.isNull() ? null : txId.asLong(),
                ts.asLong(), isSnapshot, totalOrder);
    }

    private static String textOrNull(JsonNode node) {
        return node == null || node.isNull() ? null : node.asText();
    }
}
