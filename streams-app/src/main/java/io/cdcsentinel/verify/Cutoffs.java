package io.cdcsentinel.verify;

import java.time.Duration;

/**
 * When a difference is "in flight" rather than an error, from the position the pipeline has processed
 * ({@link PipelinePosition}) and the delays the topologies add on purpose.
 *
 * <ul>
 *   <li>labels: a conversation whose last visible change in PostgreSQL is later than
 *       {@code labels position - settle window - margin} may legitimately not be (or not yet correctly be) in
 *       ClickHouse: its label waits for the settle window after a change the pipeline has seen, or the change
 *       has not reached the pipeline yet;</li>
 *   <li>gaps: a scorecard is due (expected OPENED) once {@code grace anchor + grace <= gaps position - margin};
 *       a difference for a scorecard that changed later than {@code gaps position - grace - margin} is in flight.</li>
 * </ul>
 * The margin covers what makes a PostgreSQL time differ from the commit time the pipeline runs on (an
 * application-set {@code updated_at} is taken before its transaction commits) and the wall-clock fallback of a
 * quiet pipeline (a timer fires up to its idle time plus one punctuation after it is due).
 */
public record Cutoffs(long labelsPositionMs, long gapsPositionMs, Duration settle, Duration grace, Duration labelsMargin,
        Duration gapsMargin) {

    boolean labelInFlight(ExpectedLabel expected) {
        return expected.lastChangeMs() > labelsPositionMs - settle.toMillis() - labelsMargin.toMillis();
    }

    boolean gapDue(SourceScorecard scorecard) {
        return scorecard.graceAnchorMs() + grace.toMillis() <= gapsPositionMs - gapsMargin.toMillis();
    }

    boolean gapInFlight(SourceScorecard scorecard) {
        return scorecard.lastChangeMs() + grace.toMillis() > gapsPositionMs - gapsMargin.toMillis() || !gapDue(scorecard);
    }
}
