package io.cdcsentinel.verify;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One conversation's label as either side holds it, reduced to what both can express: times in whole seconds
 * (ClickHouse {@code DateTime}), {@code agent_assisted} left out because it is {@code assist_used_count > 0} on both.
 *
 * @param startedAt epoch seconds of {@code created_at}
 * @param endedAt epoch seconds of {@code ended_at}, null while open
 */
public record LabelRow(String customerId, String profileId, String conversationId, String agentUserId, String usecaseId,
        Long startedAt, Long endedAt, int assistShown, int assistUsed, String botOutcome) {

    /** A field whose value differs: name, PostgreSQL's value, ClickHouse's value. */
    public record FieldDiff(String field, String postgres, String clickhouse) {
    }

    /** The fields in which {@code found} (ClickHouse) differs from this row (PostgreSQL), empty when equal. */
    public List<FieldDiff> differences(LabelRow found) {
        List<FieldDiff> diffs = new ArrayList<>(2);
        add(diffs, "agent_user_id", agentUserId, found.agentUserId);
        add(diffs, "usecase_id", usecaseId, found.usecaseId);
        add(diffs, "conversation_start_time", startedAt, found.startedAt);
        add(diffs, "conversation_end_time", endedAt, found.endedAt);
        add(diffs, "assist_shown_count", assistShown, found.assistShown);
        add(diffs, "assist_used_count", assistUsed, found.assistUsed);
        add(diffs, "bot_outcome", botOutcome, found.botOutcome);
        return diffs;
    }

    private static void add(List<FieldDiff> diffs, String field, Object postgres, Object clickhouse) {
        if (!Objects.equals(postgres, clickhouse)) {
            diffs.add(new FieldDiff(field, String.valueOf(postgres), String.valueOf(clickhouse)));
        }
    }

    String key() {
        return customerId + "/" + profileId + "/" + conversationId;
    }
}
