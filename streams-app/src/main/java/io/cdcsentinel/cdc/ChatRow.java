package io.cdcsentinel.cdc;

/** An {@code app.chats} row: one conversation. Times in epoch microseconds. */
public record ChatRow(String customerId, String profileId, String conversationId, String agentUserId, String usecaseId,
        Long createdAt, Long endedAt, Long updatedAt) {

    public static ChatRow from(Row row) {
        return new ChatRow(row.requiredText("customer_id"), row.requiredText("profile_id"),
                row.requiredText("conversation_id"), row.text("agent_user_id"), row.text("usecase_id"),
                row.micros("created_at"), row.micros("ended_at"), row.micros("updated_at"));
    }
}
