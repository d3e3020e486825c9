package io.cdcsentinel.verify;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Compares the open alerts of the gap topic with the rule on PostgreSQL. The open alerts are the smaller side (a
 * healthy window has few), so they are held in a map and the window's scorecards stream past it once.
 *
 * <table>
 *   <caption>gaps</caption>
 *   <tr><th>PostgreSQL</th><th>alert</th><th>counted as</th></tr>
 *   <tr><td>gap (eligible, no historic row)</td><td>open</td><td>expected open, open</td></tr>
 *   <tr><td>gap, past its grace and unchanged since</td><td>none</td><td>expected open, missing alert</td></tr>
 *   <tr><td>gap within its grace, or changed recently</td><td>none</td><td>in flight</td></tr>
 *   <tr><td>not a gap</td><td>open</td><td>open, extra alert (in flight if changed recently)</td></tr>
 *   <tr><td>absent (hard-deleted)</td><td>open</td><td>open, extra alert</td></tr>
 * </table>
 */
public final class GapComparison {
    private GapComparison() {
    }

    /** {@code open} is consumed: what is left in it afterwards has no scorecard in PostgreSQL. */
    public static void compare(Iterator<SourceScorecard> scorecards, Map<String, OpenAlert> open, Cutoffs cutoffs,
            VerifyReport report) {
        while (scorecards.hasNext()) {
            SourceScorecard s = scorecards.next();
            OpenAlert alert = open.remove(s.customer() + "/" + s.profile() + "/" + s.scorecardId());
            if (!s.isGap() && alert == null) {
                continue;
            }
            VerifyReport.GapCounts counts = report.gaps(s.customer(), s.createdAt());
            if (alert != null) {
                counts.open++;
            }
            if (s.isGap() && alert != null) {
                counts.expectedOpen++;
            } else if (s.isGap()) {
                if (cutoffs.gapInFlight(s)) {
                    counts.inFlight++;
                } else {
                    counts.expectedOpen++;
                    counts.missingAlert++;
                    report.difference(new Difference("gaps", "missing alert", s.customer(), s.profile(), s.scorecardId(),
                            VerifyReport.day(s.createdAt()), "eligible" + (s.submitted() ? ", submitted" : ", unsubmitted")
                                    + (s.process() ? ", process scorecard" : "") + ", no historic row, past its grace;"
                                    + " no open alert", List.of()));
                }
            } else if (cutoffs.gapInFlight(s)) {
                counts.inFlight++;
            } else {
                counts.extraAlert++;
                report.difference(new Difference("gaps", "extra alert", s.customer(), s.profile(), s.scorecardId(),
                        VerifyReport.day(s.createdAt()), "open alert (stage " + alert.stage() + ") but "
                                + (s.eligible() ? "historic rows exist" : "the scorecard is not eligible"), List.of()));
            }
        }
        for (OpenAlert alert : open.values()) {
            VerifyReport.GapCounts counts = report.gaps(alert.customer(), alert.createdAt());
            counts.open++;
            counts.extraAlert++;
            report.difference(new Difference("gaps", "extra alert", alert.customer(), alert.profile(), alert.scorecardId(),
                    VerifyReport.day(alert.createdAt()), "open alert (stage " + alert.stage() + ") but no such scorecard in"
                            + " PostgreSQL", List.of()));
        }
    }
}
