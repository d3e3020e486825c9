package io.cdcsentinel.cdc;

/**
 * A {@code director.scores} row. On a delete captured with REPLICA IDENTITY DEFAULT only the key
 * columns are set, so {@code scorecardId} may be null there.
 */
public record ScoreRow(String customer, String profile, String resourceId, String scorecardId, String criterionId,
        String numericValue, Long createdAt) {

    public static ScoreRow from(Row row) {
        return new ScoreRow(row.requiredText("customer"), row.requiredText("profile"), row.requiredText("resource_id"),
                row.text("scorecard_id"), row.text("criterion_id"), row.text("numeric_value"), row.micros("created_at"));
    }
}
