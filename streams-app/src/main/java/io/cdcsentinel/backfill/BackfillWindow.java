package io.cdcsentinel.backfill;

import io.cdcsentinel.config.ConfigException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;

/**
 * The business-time window of a backfill: scorecards whose {@code created_at} and conversations whose
 * {@code created_at} fall in {@code [from, to)}, whatever the commit time of their rows, optionally of some
 * customers only. Its {@link #id()} names everything the backfill creates (application id, shadow topics and
 * table, replication slot), so that a rerun of the same window finds them and resumes.
 */
public record BackfillWindow(Instant from, Instant to, List<String> customers) {
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmm").withZone(ZoneOffset.UTC);

    public BackfillWindow {
        customers = List.copyOf(new TreeSet<>(customers));
        if (!to.isAfter(from)) {
            throw new ConfigException("--to", "--to (" + to + ") must be after --from (" + from + "): the window is [from, to);"
                    + " swap them or widen the window");
        }
    }

    /**
     * Parses an option value: an ISO instant ({@code 2026-01-05T08:00:00Z}) or a date ({@code 2026-01-05}, midnight UTC).
     *
     * @throws ConfigException naming {@code option} when it is neither
     */
    public static Instant parseTime(String option, String value) {
        try {
            return value.length() == 10 ? LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant() : Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new ConfigException(option, option + " '" + value + "' is not a time: give an ISO date (2026-01-05, midnight"
                    + " UTC) or instant (2026-01-05T08:00:00Z)");
        }
    }

    /**
     * {@code bf-<from>-<to>} in UTC minutes, plus {@code -<8 hex digits>} of the customer list when there is one: a
     * legal Kafka topic and application id part, stable across reruns of the same window.
     */
    public String id() {
        String id = "bf-" + ID_TIME.format(from).toLowerCase() + "-" + ID_TIME.format(to).toLowerCase();
        return customers.isEmpty() ? id : id + "-" + hash(String.join("\n", customers)).substring(0, 8);
    }

    public boolean contains(Instant t) {
        return t != null && !t.isBefore(from) && t.isBefore(to);
    }

    public boolean containsMillis(Long epochMs) {
        return epochMs != null && epochMs >= from.toEpochMilli() && epochMs < to.toEpochMilli();
    }

    public boolean coversCustomer(String customer) {
        return customers.isEmpty() || customers.contains(customer);
    }

    /** Lower-case hex SHA-256, for names with a small alphabet or length (slot, ClickHouse table). */
    static String hash(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
