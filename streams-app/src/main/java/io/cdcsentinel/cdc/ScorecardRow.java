package io.cdcsentinel.cdc;

/** A {@code director.scorecards} row (director naming: customer/profile). Times in epoch microseconds. */
public record ScorecardRow(String customer, String profile, String resourceId, String templateId, String conversationId,
        Integer scorecardType, String calibratedScorecardId, Integer submissionSource, Long createdAt, Long updatedAt,
        Long submittedAt, Long deletedAt) {

    public static ScorecardRow from(Row row) {
        return new ScorecardRow(row.requiredText("customer"), row.requiredText("profile"), row.requiredText("resource_id"),
                row.text("template_id"), row.text("conversation_id"), row.integer("scorecard_type"),
                row.text("calibrated_scorecard_id"), row.integer("submission_source"), row.micros("created_at"),
                row.micros("updated_at"), row.micros("submitted_at"), row.micros("deleted_at"));
    }

    /** Process scorecards have no conversation (NULL or empty conversation_id). */
    public boolean isProcessScorecard() {
        return conversationId == null || conversationId.isEmpty();
    }
}
