package io.cdcsentinel.verify;

import java.util.Iterator;
import java.util.List;

/**
 * Merges the expected labels (PostgreSQL) with the found ones (ClickHouse), both sorted by key in {@link KeyOrder},
 * in one pass: memory does not grow with the window, so a million conversations cost two streams and a few
 * counters. Classification of each key:
 *
 * <table>
 *   <caption>labels</caption>
 *   <tr><th>PostgreSQL</th><th>ClickHouse</th><th>counted as</th></tr>
 *   <tr><td>ended</td><td>equal</td><td>expected, found</td></tr>
 *   <tr><td>ended</td><td>different</td><td>expected, found, stale (in flight if changed recently)</td></tr>
 *   <tr><td>ended</td><td>absent</td><td>expected, missing (in flight if changed recently)</td></tr>
 *   <tr><td>open</td><td>present</td><td>found, in flight: reopened, the topology keeps its last label until it ends
 *       again</td></tr>
 *   <tr><td>open</td><td>absent</td><td>nothing</td></tr>
 *   <tr><td>absent</td><td>present</td><td>found, extra</td></tr>
 * </table>
 */
public final class LabelComparison {
    private LabelComparison() {
    }

    public static void merge(Iterator<ExpectedLabel> expected, Iterator<FoundLabel> found, Cutoffs cutoffs, VerifyReport report) {
        Ordered<ExpectedLabel> pg = new Ordered<>(expected, ExpectedLabel::row, "PostgreSQL");
        Ordered<FoundLabel> ch = new Ordered<>(found, FoundLabel::row, "ClickHouse");
        ExpectedLabel e = pg.next();
        FoundLabel f = ch.next();
        while (e != null || f != null) {
            int c = e == null ? 1 : f == null ? -1 : KeyOrder.compare(e.row(), f.row());
            if (c == 0) {
                both(e, f, cutoffs, report);
                e = pg.next();
                f = ch.next();
            } else if (c < 0) {
                onlyExpected(e, cutoffs, report);
                e = pg.next();
            } else {
                onlyFound(f, report);
                f = ch.next();
            }
        }
    }

    private static void both(ExpectedLabel e, FoundLabel f, Cutoffs cutoffs, VerifyReport report) {
        LabelRow row = e.row();
        VerifyReport.LabelCounts counts = report.labels(row.customerId(), row.startedAt());
        counts.found++;
        if (!e.ended()) {
            counts.inFlight++;
            return;
        }
        counts.expected++;
        List<LabelRow.FieldDiff> diffs = row.differences(f.row());
        if (diffs.isEmpty()) {
            return;
        }
        if (cutoffs.labelInFlight(e)) {
            counts.inFlight++;
            return;
        }
        counts.stale++;
        report.difference(new Difference("labels", "stale", row.customerId(), row.profileId(), row.conversationId(),
                VerifyReport.day(row.startedAt()), "ClickHouse version " + Long.toUnsignedString(f.version())
                        + " differs from PostgreSQL", diffs));
    }

    private static void onlyExpected(ExpectedLabel e, Cutoffs cutoffs, VerifyReport report) {
        if (!e.ended()) {
            return;
        }
        LabelRow row = e.row();
        VerifyReport.LabelCounts counts = report.labels(row.customerId(), row.startedAt());
        counts.expected++;
        if (cutoffs.labelInFlight(e)) {
            counts.inFlight++;
            return;
        }
        counts.missing++;
        report.difference(new Difference("labels", "missing", row.customerId(), row.profileId(), row.conversationId(),
                VerifyReport.day(row.startedAt()), "ended at " + java.time.Instant.ofEpochSecond(row.endedAt())
                        + " in PostgreSQL, no live row in ClickHouse", List.of()));
    }

    private static void onlyFound(FoundLabel f, VerifyReport report) {
        LabelRow row = f.row();
        VerifyReport.LabelCounts counts = report.labels(row.customerId(), row.startedAt());
        counts.found++;
        counts.extra++;
        report.difference(new Difference("labels", "extra", row.customerId(), row.profileId(), row.conversationId(),
                VerifyReport.day(row.startedAt()), "live row in ClickHouse (version " + Long.toUnsignedString(f.version())
                        + ", agent " + row.agentUserId() + "), no such conversation in PostgreSQL", List.of()));
    }

    /** An input checked to be in key order: a merge of unsorted input would report false differences, so it fails instead. */
    private static final class Ordered<T> {
        private final Iterator<T> it;
        private final java.util.function.Function<T, LabelRow> row;
        private final String side;
        private LabelRow last;

        Ordered(Iterator<T> it, java.util.function.Function<T, LabelRow> row, String side) {
            this.it = it;
            this.row = row;
            this.side = side;
        }

        T next() {
            if (!it.hasNext()) {
                return null;
            }
            T t = it.next();
            LabelRow r = row.apply(t);
            if (last != null && KeyOrder.compare(last, r) >= 0) {
                throw new IllegalStateException(side + " rows are not in strictly increasing key order: " + last.key()
                        + " then " + r.key());
            }
            last = r;
            return t;
        }
    }
}
