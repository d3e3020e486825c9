package io.cdcsentinel.sink;

import io.cdcsentinel.avro.ConversationLabel;
import io.cdcsentinel.avro.LabelKind;
import io.cdcsentinel.config.SinkSettings.Layout;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * Maps a {@link ConversationLabel} read at (topic, partition, offset) to one {@code JSONEachRow} line of
 * {@link LabelTable}. The mapping, one line per column:
 *
 * <pre>
 * customer_id, profile_id, conversation_id  as is
 * version                                   unsigned decimal (the long is unsigned in meaning)
 * kind                                      FINAL | CORRECTION | DELETE
 * is_deleted                                1 for DELETE, else 0
 * agent_user_id, usecase_id                 as is; null stays null (legacy layout: agent_user_id null -> '')
 * conversation_start_time / _end_time       started_at / ended_at: micros -> whole seconds, UTC, truncated;
 *                                           null stays null (legacy layout: end time null -> epoch)
 * assist_shown_count, assist_used_count     as is (UInt32; negative -> bad label)
 * agent_assisted                            0/1
 * bot_outcome                               NONE | RESOLVED | HANDOFF
 * source_ts_ms                              as is (negative -> bad label)
 * written_at                                the sink's clock when the batch is written, seconds, UTC
 * kafka_topic, kafka_partition, kafka_offset   where the label was read
 * </pre>
 *
 * {@link #validate} runs when a record is decoded, so a label the table cannot hold goes to the
 * dead-letter topic alone instead of failing its whole INSERT. Times are written as
 * {@code 'YYYY-MM-DD hh:mm:ss'} text and read in the column's {@code UTC} zone: the one
 * {@code DateTime} text form that 18.16 and 24+ parse alike.
 */
public final class LabelRowEncoder {
    /** Largest value of ClickHouse's {@code DateTime} (UInt32 seconds): 2106-02-07 06:28:15 UTC. */
    static final long MAX_DATETIME_SECONDS = 0xFFFF_FFFFL;

    private final Layout layout;
    private final byte[] topicJson;

    public LabelRowEncoder(Layout layout, String topic) {
        this.layout = layout;
        RowBuffer out = new RowBuffer(64);
        writeString(out, topic);
        this.topicJson = out.toByteArray();
    }

    /** @throws BadLabelException when a value does not fit its column */
    public static void validate(ConversationLabel label) {
        if (label.getCustomerId() == null || label.getProfileId() == null || label.getConversationId() == null) {
            throw new BadLabelException("label without customer_id, profile_id or conversation_id");
        }
        if (label.getKind() == null || label.getBotOutcome() == null) {
            throw new BadLabelException("label without kind or bot_outcome");
        }
        if (label.getAssistShownCount() < 0 || label.getAssistUsedCount() < 0) {
            throw new BadLabelException("negative assist count (" + label.getAssistShownCount() + ", "
                    + label.getAssistUsedCount() + ")");
        }
        if (label.getSourceTsMs() < 0) {
            throw new BadLabelException("negative source_ts_ms " + label.getSourceTsMs());
        }
        checkTime("started_at", label.getStartedAt());
        checkTime("ended_at", label.getEndedAt());
    }

    private static void checkTime(String field, Instant value) {
        if (value != null && (value.getEpochSecond() < 0 || value.getEpochSecond() > MAX_DATETIME_SECONDS)) {
            throw new BadLabelException(field + " " + value + " is outside ClickHouse DateTime's range 1970-01-01 .. 2106-02-07");
        }
    }

    /** {@code 'YYYY-MM-DD hh:mm:ss'} (quoted) of a UTC epoch second; reused for every row of a batch. */
    public static byte[] dateTimeJson(long epochSecond) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.UTC);
        byte[] b = new byte[21];
        b[0] = '"';
        digits(b, 1, t.getYear(), 4);
        b[5] = '-';
        digits(b, 6, t.getMonthValue(), 2);
        b[8] = '-';
        digits(b, 9, t.getDayOfMonth(), 2);
        b[11] = ' ';
        digits(b, 12, t.getHour(), 2);
        b[14] = ':';
        digits(b, 15, t.getMinute(), 2);
        b[17] = ':';
        digits(b, 18, t.getSecond(), 2);
        b[20] = '"';
        return b;
    }

    private static void digits(byte[] b, int at, int value, int width) {
        for (int i = width - 1; i >= 0; i--) {
            b[at + i] = (byte) ('0' + value % 10);
            value /= 10;
        }
    }

    /** Appends one line (with its trailing newline) to {@code out}. The label must have passed {@link #validate}. */
    public void encode(ConversationLabel label, int partition, long offset, byte[] writtenAtJson, RowBuffer out) {
        boolean legacy = layout == Layout.LEGACY;
        out.ascii("{\"customer_id\":");
        writeString(out, label.getCustomerId());
        out.ascii(",\"profile_id\":");
        writeString(out, label.getProfileId());
        out.ascii(",\"conversation_id\":");
        writeString(out, label.getConversationId());
        out.ascii(",\"version\":");
        out.ascii(Long.toUnsignedString(label.getVersion()));
        out.ascii(",\"kind\":\"");
        out.ascii(label.getKind().name());
        out.ascii("\",\"is_deleted\":");
        out.write(label.getKind() == LabelKind.DELETE ? '1' : '0');
        out.ascii(",\"agent_user_id\":");
        writeNullableString(out, label.getAgentUserId(), legacy ? "" : null);
        out.ascii(",\"usecase_id\":");
        writeNullableString(out, label.getUsecaseId(), null);
        out.ascii(",\"conversation_start_time\":");
        writeTime(out, label.getStartedAt(), false);
        out.ascii(",\"conversation_end_time\":");
        writeTime(out, label.getEndedAt(), legacy);
        out.ascii(",\"assist_shown_count\":");
        out.ascii(Integer.toString(label.getAssistShownCount()));
        out.ascii(",\"assist_used_count\":");
        out.ascii(Integer.toString(label.getAssistUsedCount()));
        out.ascii(",\"agent_assisted\":");
        out.write(label.getAgentAssisted() ? '1' : '0');
        out.ascii(",\"bot_outcome\":\"");
        out.ascii(label.getBotOutcome().name());
        out.ascii("\",\"source_ts_ms\":");
        out.ascii(Long.toString(label.getSourceTsMs()));
        out.ascii(",\"written_at\":");
        out.write(writtenAtJson, 0, writtenAtJson.length);
        out.ascii(",\"kafka_topic\":");
        out.write(topicJson, 0, topicJson.length);
        out.ascii(",\"kafka_partition\":");
        out.ascii(Integer.toString(partition));
        out.ascii(",\"kafka_offset\":");
        out.ascii(Long.toString(offset));
        out.ascii("}\n");
        out.rows++;
    }

    private static void writeNullableString(RowBuffer out, String value, String whenNull) {
        if (value != null) {
            writeString(out, value);
        } else if (whenNull != null) {
            writeString(out, whenNull);
        } else {
            out.ascii("null");
        }
    }

    private static void writeTime(RowBuffer out, Instant value, boolean epochWhenNull) {
        if (value == null && !epochWhenNull) {
            out.ascii("null");
            return;
        }
        byte[] text = dateTimeJson(value == null ? 0 : value.getEpochSecond());
        out.write(text, 0, text.length);
    }

    /** A JSON string: quotes, backslashes and control characters escaped, everything else as UTF-8. */
    static void writeString(RowBuffer out, String s) {
        out.write('"');
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.write('\\');
                out.write(c);
            } else if (c < 0x20) {
                out.write('\\');
                out.write('u');
                out.write('0');
                out.write('0');
                out.write(Character.forDigit(c >> 4, 16));
                out.write(Character.forDigit(c & 0xF, 16));
            } else if (c < 0x80) {
                out.write(c);
            } else {
                // Rare path: the rest of the string through the JDK's UTF-8 encoder (handles surrogate pairs).
                String rest = s.substring(i);
                StringBuilder escaped = new StringBuilder(rest.length());
                for (int j = 0; j < rest.length(); j++) {
                    char d = rest.charAt(j);
                    if (d == '"' || d == '\\') {
                        escaped.append('\\').append(d);
                    } else if (d < 0x20) {
                        escaped.append(String.format("\\u%04x", (int) d));
                    } else {
                        escaped.append(d);
                    }
                }
                byte[] bytes = escaped.toString().getBytes(StandardCharsets.UTF_8);
                out.write(bytes, 0, bytes.length);
                break;
            }
        }
        out.write('"');
    }

    /**
     * The body of one INSERT: JSONEachRow lines, counted, readable without a copy. Not a
     * {@code ByteArrayOutputStream}: its synchronized per-byte {@code write} costs more than the encoding.
     */
    public static final class RowBuffer {
        private byte[] buf;
        private int count;
        int rows;

        public RowBuffer(int capacity) {
            buf = new byte[Math.max(16, capacity)];
        }

        private void ensure(int extra) {
            if (count + extra > buf.length) {
                buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, count + extra));
            }
        }

        void write(int b) {
            ensure(1);
            buf[count++] = (byte) b;
        }

        void write(byte[] b, int off, int len) {
            ensure(len);
            System.arraycopy(b, off, buf, count, len);
            count += len;
        }

        void ascii(String s) {
            int n = s.length();
            ensure(n);
            for (int i = 0; i < n; i++) {
                buf[count++] = (byte) s.charAt(i);
            }
        }

        public int rows() {
            return rows;
        }

        public int size() {
            return count;
        }

        public InputStream inputStream() {
            return new ByteArrayInputStream(buf, 0, count);
        }

        public void writeTo(java.io.OutputStream out) throws java.io.IOException {
            out.write(buf, 0, count);
        }

        public byte[] toByteArray() {
            return java.util.Arrays.copyOf(buf, count);
        }

        public void reset() {
            count = 0;
            rows = 0;
        }

        @Override
        public String toString() {
            return new String(buf, 0, count, StandardCharsets.UTF_8);
        }
    }
}
