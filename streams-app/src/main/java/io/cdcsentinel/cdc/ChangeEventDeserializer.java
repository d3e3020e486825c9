package io.cdcsentinel.cdc;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads a Debezium envelope written by the JSON converter, with schemas disabled (this project's
 * default) or enabled ({@code {"schema":..., "payload":...}}). A null value (the tombstone after a
 * delete) deserializes to null. Anything that is not a usable envelope throws a
 * {@link SerializationException}, which Kafka Streams hands to the deserialization exception handler,
 * which sends the original bytes to the dead-letter topic.
 *
 * <p>Every CDC record of both topologies passes through here, so the envelope is read with Jackson's
 * streaming parser in one pass rather than as a tree: the fields the topologies use are kept (row
 * columns as strings where they are strings, {@code source} and {@code transaction} fields as read),
 * everything else, the {@code schema} block of an envelope with schemas first, is skipped without
 * building anything. Measured on a replay of the gap topology, building the tree took about a fifth of
 * the stream thread. The checks, their order and their messages are those of the tree version
 * ({@link #parse(JsonNode)} reads a tree through the same code).
 */
public final class ChangeEventDeserializer implements Deserializer<ChangeEvent> {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFactory JSON = MAPPER.getFactory();

    @Override
    public ChangeEvent deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        try (JsonParser parser = JSON.createParser(data)) {
            return parse(parser);
        } catch (JsonProcessingException e) {
            throw new SerializationException("unparsable Debezium envelope on " + topic + ": " + e.getOriginalMessage(), e);
        } catch (IOException | BadChangeException e) {
            throw new SerializationException("unusable Debezium envelope on " + topic + ": " + e.getMessage(), e);
        }
    }

    /** The same mapping from an envelope already read as a tree. */
    public static ChangeEvent parse(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new BadChangeException("envelope is not a JSON object");
        }
        try (JsonParser parser = MAPPER.treeAsTokens(root)) {
            return parse(parser);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ChangeEvent parse(JsonParser parser) throws IOException {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
            throw new BadChangeException("envelope is not a JSON object");
        }
        Envelope root = Envelope.read(parser, true);
        Envelope envelope = root;
        if (root.payloadSeen && root.schemaSeen) {
            envelope = root.payload;
            if (envelope == null) {
                throw new BadChangeException("envelope payload is not a JSON object");
            }
        }
        return envelope.toChangeEvent();
    }

    /**
     * One envelope object as read. Problems are recorded, not thrown, while reading (a root whose real
     * envelope is its {@code payload} is read in full before that is known), and reported by
     * {@link #toChangeEvent} in the order the checks are documented.
     */
    private static final class Envelope {
        String op;
        boolean sourceSeen;
        Source source;
        Row before;
        Row after;
        boolean badBefore;
        boolean badAfter;
        Long totalOrder;
        boolean schemaSeen;
        boolean payloadSeen;
        Envelope payload;

        static Envelope read(JsonParser p, boolean root) throws IOException {
            Envelope e = new Envelope();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (name) {
                    case "op" -> e.op = text(t, p);
                    case "source" -> {
                        e.sourceSeen = true;
                        e.source = t == JsonToken.START_OBJECT ? Source.read(p) : skip(p, null);
                    }
                    case "before" -> {
                        e.badBefore = isBadRow(t);
                        e.before = row(t, p);
                    }
                    case "after" -> {
                        e.badAfter = isBadRow(t);
                        e.after = row(t, p);
                    }
                    case "transaction" -> e.totalOrder = t == JsonToken.START_OBJECT ? totalOrder(p) : skip(p, null);
                    case "schema" -> {
                        e.schemaSeen = root;
                        p.skipChildren();
                    }
                    case "payload" -> {
                        if (root) {
                            e.payloadSeen = true;
                            e.payload = t == JsonToken.START_OBJECT ? read(p, false) : skip(p, null);
                        } else {
                            p.skipChildren();
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            return e;
        }

        ChangeEvent toChangeEvent() {
            Op parsed = Op.fromCode(op);
            if (source == null) {
                throw new BadChangeException("envelope without source block");
            }
            if (badBefore || badAfter) {
                throw new BadChangeException("row image is not a JSON object");
            }
            return new ChangeEvent(source.schema, source.table, parsed, before, after, source.position(totalOrder));
        }

        private static boolean isBadRow(JsonToken t) {
            return t != JsonToken.VALUE_NULL && t != JsonToken.START_OBJECT;
        }

        private static Row row(JsonToken t, JsonParser p) throws IOException {
            if (t != JsonToken.START_OBJECT) {
                p.skipChildren();
                return null;
            }
            Row row = new Row();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String column = p.currentName();
                JsonToken v = p.nextToken();
                row.add(column, switch (v) {
                    case VALUE_STRING -> p.getText();
                    case VALUE_NULL -> null;
                    default -> value(v, p);
                });
            }
            return row;
        }

        private static Long totalOrder(JsonParser p) throws IOException {
            Long order = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if (name.equals("total_order")) {
                    order = t == JsonToken.VALUE_NULL ? null : value(t, p).asLong();
                } else {
                    p.skipChildren();
                }
            }
            return order;
        }
    }

    /** The fields of Debezium's {@code source} block that {@link SourcePosition} needs, as read. */
    private static final class Source {
        String schema;
        String table;
        JsonNode lsn;
        JsonNode tsMs;
        JsonNode sequence;
        JsonNode snapshot;
        JsonNode txId;

        static Source read(JsonParser p) throws IOException {
            Source s = new Source();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (name) {
                    case "schema" -> s.schema = text(t, p);
                    case "table" -> s.table = text(t, p);
                    case "lsn" -> s.lsn = value(t, p);
                    case "ts_ms" -> s.tsMs = value(t, p);
                    case "sequence" -> s.sequence = value(t, p);
                    case "snapshot" -> s.snapshot = value(t, p);
                    case "txId" -> s.txId = value(t, p);
                    default -> p.skipChildren();
                }
            }
            return s;
        }

        SourcePosition position(Long totalOrder) {
            boolean isSnapshot = snapshot != null && !snapshot.isNull() && !"false".equals(snapshot.asText());
            if ((lsn == null || lsn.isNull()) && isSnapshot) {
                // An incremental snapshot row has no lsn of its own; the second element of its source.sequence is the
                // position the connector had streamed to when it emitted the chunk (after the window's high
                // watermark): every change of the row committed before the read is at or below it, every later one
                // above it, so it orders the read like an initial snapshot row's lsn does.
                lsn = lastProcessed(sequence);
            }
            if (lsn == null || !lsn.canConvertToLong() || tsMs == null || !tsMs.canConvertToLong()) {
                throw new BadChangeException("source block without numeric lsn and ts_ms");
            }
            Long lastCommit = sequence != null && sequence.isTextual() ? lastCommit(sequence.asText()) : null;
            if (lastCommit == null && sequence != null && !sequence.isNull()) {
                try {
                    JsonNode parsed = sequence.isTextual() ? MAPPER.readTree(sequence.asText()) : sequence;
                    if (parsed.isArray() && parsed.size() == 2 && !parsed.get(0).isNull()) {
                        lastCommit = Long.parseLong(parsed.get(0).asText());
                    }
                } catch (IOException | NumberFormatException e) {
                    throw new BadChangeException("unreadable source.sequence " + sequence);
                }
            }
            return new SourcePosition(lsn.asLong(), lastCommit, txId == null || txId.isNull() ? null : txId.asLong(),
                    tsMs.asLong(), isSnapshot, totalOrder);
        }
    }

    /** The second element of a {@code source.sequence} {@code ["<digits>"|null,"<digits>"]} as a number, else null. */
    static JsonNode lastProcessed(JsonNode sequence) {
        if (sequence == null || sequence.isNull()) {
            return null;
        }
        try {
            JsonNode parsed = sequence.isTextual() ? MAPPER.readTree(sequence.asText()) : sequence;
            if (parsed.isArray() && parsed.size() == 2 && parsed.get(1).isTextual() && parsed.get(1).asText().matches("\\d{1,19}")) {
                return LongNode.valueOf(Long.parseLong(parsed.get(1).asText()));
            }
        } catch (IOException | NumberFormatException e) {
            return null;
        }
        return null;
    }

    /**
     * The first element of a {@code source.sequence} of the form Debezium writes, {@code ["<digits>","<digits>"]}
     * (the second may be null); null for any other form, which is then read as JSON.
     */
    static Long lastCommit(String sequence) {
        int n = sequence.length();
        if (n < 7 || sequence.charAt(0) != '[' || sequence.charAt(1) != '"' || sequence.charAt(n - 1) != ']') {
            return null;
        }
        int end = sequence.indexOf('"', 2);
        if (end < 3 || end > 20 || end + 1 >= n || sequence.charAt(end + 1) != ',') {
            return null;
        }
        long value = 0;
        for (int i = 2; i < end; i++) {
            char c = sequence.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
            value = value * 10 + (c - '0');
        }
        String second = sequence.substring(end + 2, n - 1);
        if (!second.equals("null") && !(second.length() >= 2 && second.charAt(0) == '"'
                && second.indexOf('"', 1) == second.length() - 1 && second.indexOf('\\') < 0)) {
            return null;
        }
        return value;
    }

    /** The value at the current token as Jackson's tree model would hold it (integers without the tree reader). */
    private static JsonNode value(JsonToken t, JsonParser p) throws IOException {
        return switch (t) {
            case VALUE_STRING -> TextNode.valueOf(p.getText());
            case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
                case INT -> IntNode.valueOf(p.getIntValue());
                case LONG -> LongNode.valueOf(p.getLongValue());
                default -> MAPPER.readTree(p);
            };
            default -> MAPPER.readTree(p);
        };
    }

    /** A JSON value as text the way {@code JsonNode.asText} renders it; null for JSON null. */
    private static String text(JsonToken t, JsonParser p) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        return t == JsonToken.VALUE_STRING ? p.getText() : value(t, p).asText();
    }

    private static <T> T skip(JsonParser p, T result) throws IOException {
        p.skipChildren();
        return result;
    }
}
