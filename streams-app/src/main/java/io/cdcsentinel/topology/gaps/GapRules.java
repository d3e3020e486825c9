package io.cdcsentinel.topology.gaps;

import io.cdcsentinel.avro.internal.gaps.ScorecardFacts;

/**
 * The rule of domain.md, "Which scorecards must have historic rows", as one function, so that the
 * topology and its tests (and anyone reading) apply exactly the same thing:
 *
 * <pre>
 *   calibrated_scorecard_id IS NULL
 *   AND (scorecard_type IS NULL OR scorecard_type = 0)
 *   AND deleted_at IS NULL            -- and the row still exists
 * </pre>
 *
 * Submitted and unsubmitted scorecards are both eligible; process scorecards (NULL or empty
 * {@code conversation_id}) are eligible and flagged. An empty {@code calibrated_scorecard_id} is not NULL,
 * so it makes the scorecard a calibration copy, as in SQL.
 */
final class GapRules {
    static final String DELETED = "DELETED";
    static final String SOFT_DELETED = "SOFT_DELETED";
    static final String CALIBRATION_COPY = "CALIBRATION_COPY";
    static final String APPEAL = "APPEAL";
    static final String OTHER_TYPE = "OTHER_TYPE";

    private GapRules() {
    }

    /**
     * Why the scorecard is not eligible, or null when it is. When several reasons hold, the most final one
     * wins: a deletion outranks the row's columns.
     */
    static String ineligibility(ScorecardFacts facts, boolean hardDeleted) {
        if (hardDeleted) {
            return DELETED;
        }
        if (facts.getDeletedAt() != null) {
            return SOFT_DELETED;
        }
        if (facts.getCalibratedScorecardId() != null) {
            return CALIBRATION_COPY;
        }
        Integer type = facts.getScorecardType();
        if (type != null && type != 0) {
            return type >= 1 && type <= 3 ? APPEAL : OTHER_TYPE;
        }
        return null;
    }

    static boolean isProcessScorecard(ScorecardFacts facts) {
        return facts.getConversationId() == null || facts.getConversationId().isEmpty();
    }

    /** The conversation id as the gap events report it: NULL for process scorecards, also when stored as ''. */
    static String conversationId(ScorecardFacts facts) {
        return isProcessScorecard(facts) ? null : facts.getConversationId();
    }
}
