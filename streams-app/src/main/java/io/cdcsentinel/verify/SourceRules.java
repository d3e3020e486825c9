package io.cdcsentinel.verify;

/**
 * domain.md's rules written as SQL against the source tables, once, for everyone who checks the pipeline's
 * outputs against PostgreSQL: {@code verify}, and the integration tests' oracle (which used to carry its own
 * copy). The topologies apply the same rules in Java ({@code GapRules}, {@code ConversationLabelProcessor});
 * a difference between the two is exactly what {@code verify} is there to find, so there must be one SQL text.
 *
 * <p>The label rule: a conversation is labelled once its chats row has {@code ended_at}; the labels count
 * every {@code app.chat_events} row of the conversation that still exists (events are hard-deleted, there is
 * no soft delete on either app table); a deleted chats row has no label ({@code DELETE} marks it
 * {@code is_deleted = 1} in ClickHouse); bot outcome: handoff wins over bot-resolved.
 */
public final class SourceRules {
    /** Eligible for historic rows (alias {@code s} = director.scorecards): not a calibration copy, not an appeal or other kind, not soft-deleted. */
    public static final String ELIGIBLE = "s.calibrated_scorecard_id IS NULL"
            + " AND (s.scorecard_type IS NULL OR s.scorecard_type = 0)"
            + " AND s.deleted_at IS NULL";

    /** Present in historic: at least one historic row with its id under the same customer/profile. */
    public static final String HAS_HISTORIC = "EXISTS (SELECT 1 FROM historic.scorecard_scores h"
            + " WHERE h.customer_id = s.customer AND h.profile_id = s.profile AND h.scorecard_id = s.resource_id)";

    /** Process scorecards (manual templates): no conversation, NULL or ''. */
    public static final String PROCESS = "(s.conversation_id IS NULL OR s.conversation_id = '')";

    /** The investigation's rule: eligible and no historic row. */
    public static final String OPEN_GAPS = "SELECT s.customer, s.profile, s.resource_id, s.submitted_at IS NOT NULL AS submitted,"
            + " " + PROCESS + " AS process FROM director.scorecards s WHERE " + ELIGIBLE + " AND NOT " + HAS_HISTORIC;

    /** The label columns computed from a conversation's events (alias {@code e}, LEFT JOINed: counts are 0 without events). */
    public static final String LABEL_AGGREGATES = """
            count(e.event_id) FILTER (WHERE e.event_type = 'ASSIST_SHOWN') AS shown,
            count(e.event_id) FILTER (WHERE e.event_type = 'ASSIST_USED') AS used,
            CASE WHEN bool_or(e.event_type = 'BOT_HANDOFF') THEN 'HANDOFF'
                 WHEN bool_or(e.event_type = 'BOT_RESOLVED') THEN 'RESOLVED' ELSE 'NONE' END AS outcome""";

    static final String EVENTS_OF_CHAT = "LEFT JOIN app.chat_events e ON e.customer_id = c.customer_id"
            + " AND e.profile_id = c.profile_id AND e.conversation_id = c.conversation_id";

    /** Final labels of every ended conversation. */
    public static final String LABELS = "SELECT c.customer_id, c.profile_id, c.conversation_id, c.agent_user_id, c.usecase_id,"
            + " c.created_at, c.ended_at, " + LABEL_AGGREGATES + " FROM app.chats c " + EVENTS_OF_CHAT
            + " WHERE c.ended_at IS NOT NULL GROUP BY c.customer_id, c.profile_id, c.conversation_id";

    private SourceRules() {
    }

    /**
     * Every conversation created in {@code [?, ?)} (and of the customers {@code = ANY(?)} when
     * {@code byCustomer}), ended or not, with its label and the time of its last visible change, in the byte order
     * of its key ({@code COLLATE "C"}: the order ClickHouse sorts strings in, so the two sides merge as sorted
     * streams). Open conversations are returned too: one ClickHouse still holds a label for was reopened.
     *
     * <p>Columns: customer, profile, conversation, agent, use case, created (epoch s), ended (epoch s or NULL),
     * shown, used, outcome, last change (epoch ms).
     */
    public static String labelsInWindow(boolean byCustomer) {
        // The events are aggregated per conversation first (a hash aggregate over the window's events only), then
        // joined one to one: grouping the joined rows instead sorts them twice, once in the database's collation.
        return "WITH w AS (SELECT * FROM app.chats c WHERE c.created_at >= ? AND c.created_at < ?"
                + (byCustomer ? " AND c.customer_id = ANY(?)" : "") + "),"
                + " a AS (SELECT e.customer_id, e.profile_id, e.conversation_id, " + LABEL_AGGREGATES + ","
                + " max(e.created_at) AS last_event FROM app.chat_events e JOIN w ON e.customer_id = w.customer_id"
                + " AND e.profile_id = w.profile_id AND e.conversation_id = w.conversation_id"
                + " GROUP BY e.customer_id, e.profile_id, e.conversation_id)"
                + " SELECT c.customer_id, c.profile_id, c.conversation_id, c.agent_user_id, c.usecase_id,"
                + " floor(extract(epoch FROM c.created_at))::bigint, floor(extract(epoch FROM c.ended_at))::bigint,"
                + " coalesce(a.shown, 0), coalesce(a.used, 0), coalesce(a.outcome, 'NONE'),"
                + " floor(extract(epoch FROM greatest(c.created_at, c.updated_at, c.ended_at, a.last_event)) * 1000)::bigint"
                + " FROM w c LEFT JOIN a ON a.customer_id = c.customer_id AND a.profile_id = c.profile_id"
                + " AND a.conversation_id = c.conversation_id"
                + " ORDER BY c.customer_id COLLATE \"C\", c.profile_id COLLATE \"C\", c.conversation_id COLLATE \"C\"";
    }

    /**
     * Every scorecard created in {@code [?, ?)} (customers {@code = ANY(?)} when {@code byCustomer}) with the rule's
     * inputs. The historic rows are aggregated only for these scorecards (a semi-join on the window, not a scan
     * per scorecard).
     *
     * <p>Columns: customer, profile, scorecard, eligible, has historic, submitted, process, created (epoch s),
     * grace anchor (epoch ms: the later of creation and submission, the topology's grace starts), last change
     * (epoch ms: the latest of created, updated, submitted, deleted and the newest historic row).
     */
    public static String scorecardsInWindow(boolean byCustomer) {
        return "WITH s AS (SELECT * FROM director.scorecards s WHERE s.created_at >= ? AND s.created_at < ?"
                + (byCustomer ? " AND s.customer = ANY(?)" : "") + "),"
                + " h AS (SELECT h.customer_id, h.profile_id, h.scorecard_id, max(h.created_at) AS last_created"
                + " FROM historic.scorecard_scores h JOIN s ON h.customer_id = s.customer AND h.profile_id = s.profile"
                + " AND h.scorecard_id = s.resource_id GROUP BY h.customer_id, h.profile_id, h.scorecard_id)"
                + " SELECT s.customer, s.profile, s.resource_id, (" + ELIGIBLE + ") AS eligible,"
                + " h.scorecard_id IS NOT NULL AS has_historic, s.submitted_at IS NOT NULL AS submitted, " + PROCESS + " AS process,"
                + " floor(extract(epoch FROM s.created_at))::bigint,"
                + " floor(extract(epoch FROM greatest(s.created_at, s.submitted_at)) * 1000)::bigint,"
                + " floor(extract(epoch FROM greatest(s.created_at, s.updated_at, s.submitted_at, s.deleted_at, h.last_created))"
                + " * 1000)::bigint"
                + " FROM s LEFT JOIN h ON h.customer_id = s.customer AND h.profile_id = s.profile AND h.scorecard_id = s.resource_id";
    }

    /** The customers of {@code ?::text[]} that appear in none of the five source tables. */
    public static final String UNKNOWN_CUSTOMERS = """
            SELECT u.c FROM unnest(?::text[]) AS u(c)
            WHERE NOT EXISTS (SELECT 1 FROM app.chats WHERE customer_id = u.c)
              AND NOT EXISTS (SELECT 1 FROM app.chat_events WHERE customer_id = u.c)
              AND NOT EXISTS (SELECT 1 FROM director.scorecards WHERE customer = u.c)
              AND NOT EXISTS (SELECT 1 FROM director.scores WHERE customer = u.c)
              AND NOT EXISTS (SELECT 1 FROM historic.scorecard_scores WHERE customer_id = u.c)""";
}
