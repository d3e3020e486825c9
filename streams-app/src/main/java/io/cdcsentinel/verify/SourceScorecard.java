package io.cdcsentinel.verify;

/**
 * A scorecard as PostgreSQL holds it, with the inputs of the gap rule.
 *
 * @param createdAt epoch seconds
 * @param graceAnchorMs the later of creation and submission: the topology's grace period runs from there
 * @param lastChangeMs the latest of created, updated, submitted, deleted and its newest historic row
 */
public record SourceScorecard(String customer, String profile, String scorecardId, boolean eligible, boolean hasHistoric,
        boolean submitted, boolean process, long createdAt, long graceAnchorMs, long lastChangeMs) {

    /** What the rule says without time: eligible and no historic row. */
    public boolean isGap() {
        return eligible && !hasHistoric;
    }
}
