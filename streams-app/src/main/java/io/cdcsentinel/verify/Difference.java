package io.cdcsentinel.verify;

import java.time.LocalDate;
import java.util.List;

/**
 * One differing row: which check, what kind of difference, its key, its day, and what differs.
 *
 * @param check {@code labels} or {@code gaps}
 * @param kind {@code missing}, {@code extra}, {@code stale} (labels), {@code missing alert}, {@code extra alert} (gaps)
 * @param id conversation id or scorecard id
 */
public record Difference(String check, String kind, String customer, String profile, String id, LocalDate day,
        String detail, List<LabelRow.FieldDiff> fields) {

    public Difference {
        fields = List.copyOf(fields);
    }
}
