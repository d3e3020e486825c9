package io.cdcsentinel.verify;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * The business-time window of a verify run: conversations and scorecards by their own {@code created_at},
 * whatever the commit time of their rows. Bounds are whole seconds because ClickHouse keeps whole seconds
 * ({@code DateTime}): with sub-second bounds a row could fall inside the window on one side and outside it on
 * the other.
 *
 * @param customers empty: every customer
 */
public record VerifyWindow(Instant from, Instant to, List<String> customers) {

    public VerifyWindow {
        customers = List.copyOf(customers);
        if (!to.isAfter(from)) {
            throw new IllegalArgumentException("--to (" + to + ") must be after --from (" + from + ")");
        }
    }

    /**
     * An ISO instant ({@code 2026-01-05T10:00:00Z}, or with an offset) or a date ({@code 2026-01-05} = midnight UTC),
     * truncated to the second.
     */
    public static Instant parseTime(String option, String value) {
        String v = value.trim();
        try {
            if (v.length() == 10) {
                return LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            try {
                return Instant.parse(v).truncatedTo(ChronoUnit.SECONDS);
            } catch (DateTimeException e) {
                return OffsetDateTime.parse(v).toInstant().truncatedTo(ChronoUnit.SECONDS);
            }
        } catch (DateTimeException e) {
            throw new IllegalArgumentException(option + " '" + value + "': expected a date (2026-01-05, midnight UTC) or an ISO"
                    + " instant (2026-01-05T10:00:00Z)");
        }
    }

    public long fromSeconds() {
        return from.getEpochSecond();
    }

    public long toSeconds() {
        return to.getEpochSecond();
    }
}
