package io.cdcsentinel.sim;

/**
 * What the simulator counts, as printed in its summary and written to the truth file. Counted when the
 * transaction that carries the change commits; the "never happened" kinds (lost or skipped historic writes)
 * ride on the transaction that created the scorecard, so they too count only what was really written.
 */
public enum Count {
    TRANSACTIONS("totals", "transactions"),
    ROWS("totals", "rows written (inserted, updated or deleted)"),

    CHATS_CREATED("chats", "created"),
    CHATS_ENDED("chats", "ended (ended_at set, incl. after a reopen)"),
    CHATS_REOPENED("chats", "reopened (ended_at back to NULL)"),
    CHATS_REASSIGNED_BEFORE_END("chats", "re-assigned before ended_at"),
    CHATS_REASSIGNED_AFTER_END("chats", "re-assigned after ended_at"),
    CHATS_RECLASSIFIED_BEFORE_END("chats", "re-classified before ended_at"),
    CHATS_RECLASSIFIED_AFTER_END("chats", "re-classified after ended_at"),
    CHATS_TOUCHED("chats", "updated without a label change (updated_at only)"),

    EVENTS_ASSIST_SHOWN("chat_events", "ASSIST_SHOWN"),
    EVENTS_ASSIST_USED("chat_events", "ASSIST_USED"),
    EVENTS_BOT_HANDOFF("chat_events", "BOT_HANDOFF"),
    EVENTS_BOT_RESOLVED("chat_events", "BOT_RESOLVED"),
    EVENTS_AFTER_END("chat_events", "of which written after ended_at"),

    SCORECARDS_CONVERSATION("scorecards", "created: original, with a conversation"),
    SCORECARDS_BATCH("scorecards", "created: original, by a batch job"),
    SCORECARDS_PROCESS("scorecards", "created: original, process (no conversation)"),
    SCORECARDS_APPEAL_REPLICA("scorecards", "created: appeal type 1 (APPEAL_ORIGINAL_REPLICA)"),
    SCORECARDS_APPEAL_REQUEST("scorecards", "created: appeal type 2 (APPEAL_REQUEST)"),
    SCORECARDS_APPEAL_RESOLVE("scorecards", "created: appeal type 3 (APPEAL_RESOLVE)"),
    SCORECARDS_CALIBRATION("scorecards", "created: calibration copy"),
    SCORECARDS_OTHER_TYPE("scorecards", "created: other non-original type (4+)"),
    SCORECARDS_SUBMITTED("scorecards", "submitted"),
    SCORECARDS_SOFT_DELETED("scorecards", "soft-deleted (deleted_at set)"),
    SCORECARDS_HARD_DELETED("scorecards", "hard-deleted (row and its scores deleted)"),

    SCORES_INSERTED("scores", "inserted"),
    SCORES_DELETED("scores", "deleted with their scorecard"),

    HISTORIC_ON_TIME("historic", "writes on time (async, right after create)"),
    HISTORIC_LATE("historic", "writes late (after the late delay)"),
    HISTORIC_AFTER_SUBMIT("historic", "writes landing after a racing submit"),
    HISTORIC_WRONG_TENANT("historic", "writes under another profile (scorecard stays missing)"),
    HISTORIC_LOST("historic", "writes that never happened (failed async write)"),
    HISTORIC_RACE_LOST("historic", "writes lost to the submit-before-create-write race"),
    HISTORIC_BATCH_LOST("historic", "writes lost in a batch hour"),
    HISTORIC_SKIPPED("historic", "writes not made for ineligible scorecards (calibration copies, appeals, other types)"),
    HISTORIC_ROWS("historic", "rows inserted");

    private final String group;
    private final String label;

    Count(String group, String label) {
        this.group = group;
        this.label = label;
    }

    public String group() {
        return group;
    }

    public String label() {
        return label;
    }

    /** snake_case name used in the truth file. */
    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
