package io.cdcsentinel.cdc;

/** A {@code historic.scorecard_scores} row (customer_id/profile_id naming). Its key includes the scorecard id. */
public record HistoricScoreRow(String customerId, String profileId, String scorecardId, String criterionId,
        String conversationId, String score, Long scorecardTime, Long createdAt) {

    public static HistoricScoreRow from(Row row) {
        return new HistoricScoreRow(row.requiredText("customer_id"), row.requiredText("profile_id"),
                row.requiredText("scorecard_id"), row.requiredText("criterion_id"), row.text("conversation_id"),
                row.text("score"), row.micros("scorecard_time"), row.micros("created_at"));
    }
}
