package io.cdcsentinel.cdc;

/**
 * An {@code app.chat_events} row. On a delete captured with REPLICA IDENTITY DEFAULT only the key
 * columns are set, so {@code conversationId} and {@code eventType} may be null there.
 */
public record ChatEventRow(String customerId, String profileId, String eventId, String conversationId, String eventType,
        Long createdAt) {

    public static final String ASSIST_SHOWN = "ASSIST_SHOWN";
    public static final String ASSIST_USED = "ASSIST_USED";
    public static final String BOT_HANDOFF = "BOT_HANDOFF";
    public static final String BOT_RESOLVED = "BOT_RESOLVED";

    public static ChatEventRow from(Row row) {
        return new ChatEventRow(row.requiredText("customer_id"), row.requiredText("profile_id"),
                row.requiredText("event_id"), row.text("conversation_id"), row.text("event_type"), row.micros("created_at"));
    }
}
