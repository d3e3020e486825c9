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
import java.util.Arrays;
import java.util.List;

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

    // The constant parts of a line (keys, separators, the quotes around enum names), as bytes once.
    private static final byte[] CUSTOMER_ID = ascii("{\"customer_id\":");
    private static final byte[] PROFILE_ID = ascii(",\"profile_id\":");
    private static final byte[] CONVERSATION_ID = ascii(",\"conversation_id\":");
    private static final byte[] VERSION = ascii(",\"version\":");
    private static final byte[] KIND = ascii(",\"kind\":\"");
    private static final byte[] IS_DELETED = ascii("\",\"is_deleted\":");
    private static final byte[] AGENT_USER_ID = ascii(",\"agent_user_id\":");
    private static final byte[] USECASE_ID = ascii(",\"usecase_id\":");
    private static final byte[] START_TIME = ascii(",\"conversation_start_time\":");
    private static final byte[] END_TIME = ascii(",\"conversation_end_time\":");
    private static final byte[] ASSIST_SHOWN = ascii(",\"assist_shown_count\":");
    private static final byte[] ASSIST_USED = ascii(",\"assist_used_count\":");
    private static final byte[] AGENT_ASSISTED = ascii(",\"agent_assisted\":");
    private static final byte[] BOT_OUTCOME = ascii(",\"bot_outcome\":\"");
    private static final byte[] SOURCE_TS = ascii("\",\"source_ts_ms\":");
    private static final byte[] WRITTEN_AT = ascii(",\"written_at\":");
    private static final byte[] KAFKA_TOPIC = ascii(",\"kafka_topic\":");
    private static final byte[] KAFKA_PARTITION = ascii(",\"kafka_partition\":");
    private static final byte[] KAFKA_OFFSET = ascii(",\"kafka_offset\":");
    private static final byte[] END_OF_ROW = ascii("}\n");

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private final Layout layout;
    private final byte[] topicJson;
    private long cachedDay = Long.MIN_VALUE;
    private byte[] cachedDayPrefix;

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

    /**
     * One batch of one partition as one INSERT body, in the order given; every row gets the same
     * {@code written_at}, the sink's clock now.
     */
    RowBuffer encode(int partition, List<PendingLabel> rows) {
        return encode(partition, rows, new RowBuffer(rows.size() * ROW_BYTES_ESTIMATE));
    }

    /**
     * The same into {@code body}, emptied first and grown as needed: the sink encodes every batch into one of two
     * buffers it reuses. A body of a 10,000-row batch is about 5.5 MB, a humongous object for G1; a fresh one per
     * batch (and its doubling when the estimate fell short) started a concurrent GC cycle every few batches, on
     * the cores ClickHouse needs for the INSERTs.
     */
    RowBuffer encode(int partition, List<PendingLabel> rows, RowBuffer body) {
        body.reset();
        body.ensure(rows.size() * ROW_BYTES_ESTIMATE);
        byte[] writtenAt = dateTimeJson(System.currentTimeMillis() / 1000);
        for (PendingLabel p : rows) {
            encode(p.label(), partition, p.offset(), writtenAt, body);
        }
        return body;
    }

    /** Bytes of a typical line (about 550 with a topic name of 20 characters), rounded up. */
    static final int ROW_BYTES_ESTIMATE = 640;

    /**
     * Appends one line (with its trailing newline) to {@code out}. The label must have passed
     * {@link #validate}. Not thread-safe (it caches the last day it formatted): one encoder per thread.
     */
    public void encode(ConversationLabel label, int partition, long offset, byte[] writtenAtJson, RowBuffer out) {
        boolean legacy = layout == Layout.LEGACY;
        out.write(CUSTOMER_ID);
        writeString(out, label.getCustomerId());
        out.write(PROFILE_ID);
        writeString(out, label.getProfileId());
        out.write(CONVERSATION_ID);
        writeString(out, label.getConversationId());
        out.write(VERSION);
        out.unsignedDecimal(label.getVersion());
        out.write(KIND);
        out.ascii(label.getKind().name());
        out.write(IS_DELETED);
        out.write(label.getKind() == LabelKind.DELETE ? '1' : '0');
        out.write(AGENT_USER_ID);
        writeNullableString(out, label.getAgentUserId(), legacy ? "" : null);
        out.write(USECASE_ID);
        writeNullableString(out, label.getUsecaseId(), null);
        out.write(START_TIME);
        writeTime(out, label.getStartedAt(), false);
        out.write(END_TIME);
        writeTime(out, label.getEndedAt(), legacy);
        out.write(ASSIST_SHOWN);
        out.decimal(label.getAssistShownCount());
        out.write(ASSIST_USED);
        out.decimal(label.getAssistUsedCount());
        out.write(AGENT_ASSISTED);
        out.write(label.getAgentAssisted() ? '1' : '0');
        out.write(BOT_OUTCOME);
        out.ascii(label.getBotOutcome().name());
        out.write(SOURCE_TS);
        out.decimal(label.getSourceTsMs());
        out.write(WRITTEN_AT);
        out.write(writtenAtJson, 0, writtenAtJson.length);
        out.write(KAFKA_TOPIC);
        out.write(topicJson, 0, topicJson.length);
        out.write(KAFKA_PARTITION);
        out.decimal(partition);
        out.write(KAFKA_OFFSET);
        out.decimal(offset);
        out.write(END_OF_ROW);
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

    private void writeTime(RowBuffer out, Instant value, boolean epochWhenNull) {
        if (value == null && !epochWhenNull) {
            out.ascii("null");
            return;
        }
        long seconds = value == null ? 0 : value.getEpochSecond();
        long day = Math.floorDiv(seconds, 86_400L);
        int secondOfDay = (int) Math.floorMod(seconds, 86_400L);
        if (day != cachedDay) {
            // labels of one batch mostly end on the same few days: the calendar arithmetic runs once per day
            cachedDayPrefix = Arrays.copyOf(dateTimeJson(day * 86_400L), 12); // "YYYY-MM-DD and the space
            cachedDay = day;
        }
        out.write(cachedDayPrefix, 0, cachedDayPrefix.length);
        byte[] b = out.reserve(9);
        int at = out.size() - 9;
        int h = secondOfDay / 3600;
        int m = secondOfDay / 60 % 60;
        int sec = secondOfDay % 60;
        b[at] = (byte) ('0' + h / 10);
        b[at + 1] = (byte) ('0' + h % 10);
        b[at + 2] = ':';
        b[at + 3] = (byte) ('0' + m / 10);
        b[at + 4] = (byte) ('0' + m % 10);
        b[at + 5] = ':';
        b[at + 6] = (byte) ('0' + sec / 10);
        b[at + 7] = (byte) ('0' + sec % 10);
        b[at + 8] = '"';
    }

    /** A JSON string: quotes, backslashes and control characters escaped, everything else as UTF-8. */
    static void writeString(RowBuffer out, String s) {
        out.write('"');
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8); // a plain copy for the usual ASCII ids
        int clean = 0;
        while (clean < utf8.length && utf8[clean] != '"' && utf8[clean] != '\\' && (utf8[clean] & 0xFF) >= 0x20) {
            clean++;
        }
        out.write(utf8, 0, clean);
        for (int i = clean; i < utf8.length; i++) {
            int b = utf8[i] & 0xFF; // bytes of multi-byte UTF-8 sequences are >= 0x80 and pass through
            if (b == '"' || b == '\\') {
                out.write('\\');
                out.write(b);
            } else if (b < 0x20) {
                out.write('\\');
                out.write('u');
                out.write('0');
                out.write('0');
                out.write(Character.forDigit(b >> 4, 16));
                out.write(Character.forDigit(b & 0xF, 16));
            } else {
                out.write(b);
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

        void write(byte[] b) {
            write(b, 0, b.length);
        }

        void write(byte[] b, int off, int len) {
            ensure(len);
            System.arraycopy(b, off, buf, count, len);
            count += len;
        }

        /** Makes room for {@code n} bytes, counts them as written, and returns the array to fill them in. */
        byte[] reserve(int n) {
            ensure(n);
            count += n;
            return buf;
        }

        void decimal(long v) {
            if (v < 0) {
                if (v == Long.MIN_VALUE) {
                    ascii(Long.toString(v));
                    return;
                }
                write('-');
                v = -v;
            }
            int digits = 1;
            for (long t = v; t >= 10; t /= 10) {
                digits++;
            }
            byte[] b = reserve(digits);
            for (int i = count - 1; i >= count - digits; i--) {
                b[i] = (byte) ('0' + v % 10);
                v /= 10;
            }
        }

        void unsignedDecimal(long v) {
            if (v >= 0) {
                decimal(v);
            } else {
                ascii(Long.toUnsignedString(v));
            }
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

        /** Bytes the buffer can hold before it grows. */
        public int capacity() {
            return buf.length;
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
