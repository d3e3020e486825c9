package io.cdcsentinel.cdc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Arrays;

/**
 * One row image ({@code before} or {@code after}) of a Debezium envelope with schemas disabled.
 * Column values arrive as Debezium's JSON converter writes them: text as strings, {@code int} as
 * numbers, {@code timestamptz} as ISO-8601 strings ({@code ZonedTimestamp}), {@code timestamp} as
 * epoch microseconds ({@code MicroTimestamp}), {@code numeric} as strings with
 * {@code decimal.handling.mode=string}.
 *
 * <p>Held as the columns in the order read, each value a {@code String} (JSON strings, by far the most
 * common), null (JSON null) or the {@link JsonNode} of anything else; a handful of columns are looked up
 * by a scan, cheaper than a hash map for rows this narrow. A column that appears twice has its last value,
 * as in a JSON tree.
 */
public final class Row {
    private String[] columns = new String[16];
    private Object[] values = new Object[16];
    private int size;

    Row() {
    }

    void add(String column, Object value) {
        if (size == columns.length) {
            columns = Arrays.copyOf(columns, size * 2);
            values = Arrays.copyOf(values, size * 2);
        }
        columns[size] = column;
        values[size] = value;
        size++;
    }

    private int indexOf(String column) {
        for (int i = size - 1; i >= 0; i--) {
            if (columns[i].equals(column)) {
                return i;
            }
        }
        return -1;
    }

    private Object value(String column) {
        int i = indexOf(column);
        return i < 0 ? null : values[i];
    }

    /** The column as text, or null when absent or SQL NULL. Numbers are rendered as text. */
    public String text(String column) {
        Object v = value(column);
        if (v == null || v instanceof String) {
            return (String) v;
        }
        JsonNode node = (JsonNode) v;
        return node.isNull() ? null : node.asText();
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
        Object v = value(column);
        if (v == null) {
            return null;
        }
        if (v instanceof JsonNode node) {
            if (node.isNull()) {
                return null;
            }
            if (node.isIntegralNumber()) {
                return node.intValue();
            }
        }
        try {
            return Integer.valueOf(asText(v).trim());
        } catch (NumberFormatException e) {
            throw new BadChangeException("column '" + column + "' is not an integer: " + rendered(v));
        }
    }

    /**
     * A time column as microseconds since the epoch, or null. Accepts ISO-8601 strings (with offset or
     * 'Z') and epoch microseconds.
     */
    public Long micros(String column) {
        Object v = value(column);
        if (v == null) {
            return null;
        }
        if (v instanceof JsonNode node) {
            if (node.isNull()) {
                return null;
            }
            if (node.isIntegralNumber()) {
                return node.longValue();
            }
        }
        String s = asText(v);
        long fast = utcMicros(s);
        if (fast != NOT_UTC) {
            return fast;
        }
        try {
            Instant instant = OffsetDateTime.parse(s).toInstant();
            return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000L);
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new BadChangeException("column '" + column + "' is not a timestamp: " + s);
        }
    }

    private static final long NOT_UTC = Long.MIN_VALUE;

    /**
     * The form Debezium writes every {@code timestamptz} in, {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}]Z}, read
     * without {@code DateTimeFormatter} (which took a tenth of the gap topology's stream thread);
     * {@link #NOT_UTC} for anything else, which {@link OffsetDateTime#parse} then reads or rejects as before.
     */
    static long utcMicros(String s) {
        int n = s.length();
        if (n < 20 || n > 30 || s.charAt(n - 1) != 'Z' || s.charAt(4) != '-' || s.charAt(7) != '-'
                || s.charAt(10) != 'T' || s.charAt(13) != ':' || s.charAt(16) != ':') {
            return NOT_UTC;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 7);
        int day = digits(s, 8, 10);
        int hour = digits(s, 11, 13);
        int minute = digits(s, 14, 16);
        int second = digits(s, 17, 19);
        if (year < 0 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0
                || second > 59) {
            return NOT_UTC;
        }
        long micros = 0;
        if (n > 20) {
            // a fraction: '.' and 1 to 9 digits, truncated to microseconds
            int fractionDigits = n - 21;
            if (s.charAt(19) != '.' || fractionDigits < 1 || fractionDigits > 9) {
                return NOT_UTC;
            }
            int fraction = digits(s, 20, n - 1);
            if (fraction < 0) {
                return NOT_UTC;
            }
            long nanos = fraction;
            for (int i = fractionDigits; i < 9; i++) {
                nanos *= 10;
            }
            micros = nanos / 1_000L;
        } else if (s.charAt(19) != 'Z') {
            return NOT_UTC;
        }
        long epochDay;
        try {
            epochDay = LocalDate.of(year, month, day).toEpochDay();
        } catch (DateTimeException e) {
            return NOT_UTC;
        }
        long seconds = epochDay * 86_400L + hour * 3_600L + minute * 60L + second;
        return seconds * 1_000_000L + micros;
    }

    /** The decimal number in {@code s[from, to)}, or -1 if any character is not a digit. */
    private static int digits(String s, int from, int to) {
        int value = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private static String asText(Object v) {
        return v instanceof String s ? s : ((JsonNode) v).asText();
    }

    private static String rendered(Object v) {
        return v instanceof String s ? JsonNodeFactory.instance.textNode(s).toString() : v.toString();
    }

    public boolean has(String column) {
        return indexOf(column) >= 0;
    }

    /** The row as a JSON object (built on each call: the topologies read columns, not trees). */
    public JsonNode json() {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        for (int i = 0; i < size; i++) {
            Object v = values[i];
            node.set(columns[i], v == null ? JsonNodeFactory.instance.nullNode()
                    : v instanceof String s ? JsonNodeFactory.instance.textNode(s) : (JsonNode) v);
        }
        return node;
    }

    @Override
    public String toString() {
        return json().toString();
    }
}
