package io.cdcsentinel.sim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a simulation wrote (counted as transactions committed) and what must follow from it downstream.
 *
 * @param stories stories planned and fully written
 */
public record SimulationSummary(WorkloadSpec spec, long stories, Map<Count, Long> counts, Truth.Expectations expected,
        Duration elapsed) {

    public long count(Count c) {
        return counts.getOrDefault(c, 0L);
    }

    public double transactionsPerSecond() {
        return perSecond(count(Count.TRANSACTIONS));
    }

    public double storiesPerSecond() {
        return perSecond(stories);
    }

    public double rowsPerSecond() {
        return perSecond(count(Count.ROWS));
    }

    private double perSecond(long n) {
        double s = elapsed.toNanos() / 1e9;
        return s <= 0 ? 0 : n / s;
    }

    /** The summary as the CLI prints it: counts per table and kind, then the expected outcome. */
    public List<String> lines() {
        List<String> out = new ArrayList<>();
        out.add(String.format("simulated %,d stories (seed %d) in %.1f s: %,d transactions, %,d rows"
                        + " (%,.0f stories/s, %,.0f transactions/s, %,.0f rows/s)",
                stories, spec.seed(), elapsed.toMillis() / 1000.0, count(Count.TRANSACTIONS), count(Count.ROWS),
                storiesPerSecond(), transactionsPerSecond(), rowsPerSecond()));
        String group = null;
        for (Count c : Count.values()) {
            if (c.group().equals("totals")) {
                continue;
            }
            if (!c.group().equals(group)) {
                group = c.group();
                out.add(group + ":");
            }
            out.add(String.format("  %-82s %,12d", c.label(), count(c)));
        }
        out.add("expected downstream once every grace period has passed:");
        out.add(String.format("  %-82s %,12d", "eligible scorecards", expected.eligible()));
        out.add(String.format("  %-82s %,12d", "  of which submitted", expected.eligibleSubmitted()));
        out.add(String.format("  %-82s %,12d", "  of which process scorecards", expected.eligibleProcess()));
        out.add(String.format("  %-82s %,12d", "open gaps (missing from historic)", expected.openGaps()));
        out.add(String.format("  %-82s %,12d", "  submitted", expected.openGapsSubmitted()));
        out.add(String.format("  %-82s %,12d", "  unsubmitted", expected.openGapsUnsubmitted()));
        out.add(String.format("  %-82s %,12d", "  process scorecards", expected.openGapsProcess()));
        out.add(String.format("  %-82s %,12d", "conversation labels (ended conversations)", expected.labels()));
        out.add(String.format("  %-82s %,12d", "conversations still open (no label)", expected.openConversations()));
        return out;
    }
}
