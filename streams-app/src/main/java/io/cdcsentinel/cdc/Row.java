package io.cdcsentinel.cdc;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * One row image ({@code before} or {@code after}) of a Debezium envelope with schemas disabled.
 * Column values arrive as Debezium's JSON converter writes them: text as strings, {@code int} as
 * numbers, {@code timestamptz} as ISO-8601 strings ({@code ZonedTimestamp}), {@code timestamp} as
 * epoch microseconds ({@code MicroTimestamp}), {@code numeric} as strings with
 * {@code decimal.handling.mode=string}.
 */
public final class Row {
    private final JsonNode node;

    Row(JsonNode node) {
        this.node = node;
    }

    /** The column as text, or null when absent or SQL NULL. Numbers are rendered as text. */
    public String text(String column) {
        JsonNode v = node.get(column);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** The column as text; a key column that is absent, NULL or empty makes the record unusable. */
    public String requiredText(String column) {
        String v = text(column);
        if (v == null || v.isEmpty()) {
            throw new BadChangeException("missing key column '" + column + "'");
        }
        return v;
    }

    public Integer integer(String column) {
        JsonNode v = node.get(column);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isIntegralNumber()) {
            return v.intValue();
        }
        try {
            return Integer.valueOf(v.asText().trim());
        } catch (NumberFormatException e) {
            throw new BadChangeException("column '" + column + "' is not an integer: " + v);
        }
    }

    /**
     * A time column as microseconds since the epoch, or null. Accepts ISO-8601 strings (with offset or
     * 'Z') and epoch microseconds.
     */
    public Long micros(String column) {
        JsonNode v = node.get(column);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isIntegralNumber()) {
            return v.longValue();
        }
        String s = v.asText();
        try {
            Instant instant = OffsetDateTime.parse(s).toInstant();
            return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000L);
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new BadChangeException("column '" + column + "' is not a timestamp: " + s);
        }
    }

    public boolean has(String column) {
        return node.has(column);
    }

    public JsonNode json() {
        return node;
    }

    @Override
    public String toString() {
        return node.toString();
    }
}
