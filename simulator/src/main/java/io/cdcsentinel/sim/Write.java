package io.cdcsentinel.sim;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * One SQL statement of a simulated API call, with every value explicit (no {@code now()}, no defaults), so
 * that the same plan always writes the same rows. Statements have fixed text (lists go in as arrays through
 * {@code unnest}) so the driver can reuse them, and several of them can be pipelined in one round trip.
 */
sealed interface Write {

    String sql();

    void bind(Binder b) throws SQLException;

    /** Rows this statement inserts, updates or deletes. */
    int rows();

    /** An {@code app.chats} row as it is after a change (all mutable columns, written in full). */
    record ChatRowValues(Tenant tenant, String conversationId, String agentUserId, String usecaseId, Instant createdAt,
            Instant endedAt, Instant updatedAt) {
    }

    record InsertChat(ChatRowValues chat) implements Write {
        @Override
        public String sql() {
            return "INSERT INTO app.chats (conversation_id, customer_id, profile_id, agent_user_id, usecase_id, created_at,"
                    + " ended_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
        }

        @Override
        public void bind(Binder b) throws SQLException {
            b.text(chat.conversationId()).text(chat.tenant().customer()).text(chat.tenant().profile())
                    .text(chat.agentUserId()).text(chat.usecaseId()).time(chat.createdAt()).time(chat.endedAt())
                    .time(chat.updatedAt());
        }

        @Override
        public int rows() {
            return 1;
        }
    }

    record UpdateChat(ChatRowValues chat) implements Write {
        @Override
        public String sql() {
            return "UPDATE app.chats SET agent_user_id = ?, usecase_id = ?, ended_at = ?, updated_at = ?"
                    + " WHERE customer_id = ? AND profile_id = ? AND conversation_id = ?";
        }

        @Override
        public void bind(Binder b) throws SQLException {
            b.text(chat.agentUserId()).text(chat.usecaseId()).time(chat.endedAt()).time(chat.updatedAt())
                    .text(chat.tenant().customer()).text(chat.tenant().profile()).text(chat.conversationId());
        }

        @Override
        public int rows() {
            return 1;
        }
    }

    record InsertChatEvent(Tenant tenant, String eventId, String conversationId, String eventType, Instant createdAt)
            implements Write {
        @Override
        public String sql() {
            return "INSERT INTO app.chat_events (event_id, customer_id, profile_id, conversation_id, event_type, created_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?)";
        }

        @Override
        public void bind(Binder b) throws SQLException {
            b.text(eventId).text(tenant.customer()).text(tenant.profile()).text(conversationId).text(eventType)
                    .time(createdAt);
        }

        @Override
        public int rows() {
            return 1;
        }
    }

    record InsertScorecard(Tenant tenant, String resourceId, String templateId, String conversationId,
            Integer scorecardType, String calibratedScorecardId, Instant createdAt) implements Write {
        @Override
        public String sql() {
            return "INSERT INTO director.scorecards (customer, profile, resource_id, template_id, conversation_id,"
                    + " scorecard_type, calibrated_scorecard_id, submission_source, created_at, updated_at, submitted_at,"
                    + " deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, NULL, NULL)";
        }

        @Override
        public void bind(Binder b) throws SQLException {
            b.text(tenant.customer()).text(tenant.profile()).text(resourceId).text(templateId).text(conversationId)
                    .integer(scorecardType).text(calibratedScorecardId).time(createdAt).time(createdAt);
        }

        @Override
        public int rows() {
            return 1;
        }
    }

    /** The score rows of one scorecard, in criterion order. */
    record InsertScores(Tenant tenant, String scorecardId, List<String> resourceIds, List<String> criterionIds,
            List<String> values, Instant createdAt) implements Write {
        @Override
        public String sql() {
            return "INSERT INTO director.scores (customer, profile, resource_id, scorecard_id, criterion_id, numeric_value,"
                    + " created_at) SELECT ?, ?, u.r, ?, u.c, u.v::numeric, ?"
                    + " FROM unnest(?::text[], ?::text[], ?::text[]) WITH ORDINALITY AS u(r, c, v, n) ORDER BY u.n";
        }

        @Override
        public void bind(Binder b) throws SQLException {
            b.text(tenant.customer()).text(tenant.profile()).text(scorecardId).time(createdAt)
                    .texts(resourceIds).texts(criterionIds).texts(values);
        }

        @Override
        public int rows() {
            return resourceIds.size();
        }
    }

    /** The async historic write: one {@code historic.scorecard_scores} row per criterion. */
    record InsertHistoric(String customerId, String profileId, String scorecardId, String conversationId,
            List<String> criterionIds, List<String> scores, Instant scorecardTime, Instant createdAt) implements Write {
        @Override
        public String sql() {
            return "INSERT INTO historic.scorecard_scores (customer_id, profile_id, scorecard_id, criterion_id,"
                    + " conversation_id, score, scorecard_time, created_at) SELECT ?, ?, ?, u.c, ?, u.s::numeric, ?, ?"
                    + " FROM unnest(?::text[], ?::text[]) WITH ORDINALITY AS u(c, s, n) ORDER BY u.n";
        }

        @Override
        public void bind(Binder b) throws SQLException {
            b.text(customerId).text(profileId).text(scorecardId).text(conversationId).time(scorecardTime)
                    .time(createdAt).texts(criterionIds).texts(scores);
        }

        @Override
        public int rows() {
            return criterionIds.size();
        }
    }

    record SubmitScorecard(Tenant tenant, String resourceId, Instant submittedAt, int submissionSource) implements Write {
        @Override
        public String sql() {
            return "UPDATE director.scorecards SET submitted_at = ?, submission_source = ?, updated_at = ?"
                    + " WHERE customer = ? AND profile = ? AND resource_id = ?";
        }

        @Override
        public void bind(Binder b) throws SQLException {
            b.time(submittedAt).integer(submissionSource).time(submittedAt).text(tenant.customer())
                    .text(tenant.profile()).text(resourceId);
        }

        @Override
        public int rows() {
            return 1;
        }
    }

    record SoftDeleteScorecard(Tenant tenant, String resourceId, Instant deletedAt) implements Write {
        @Override
        public String sql() {
            return "UPDATE director.scorecards SET deleted_at = ?, updated_at = ?"
                    + " WHERE customer = ? AND profile = ? AND resource_id = ?";
        }

        @Override
        public void bind(Binder b) throws SQLException {
            b.time(deletedAt).time(deletedAt).text(tenant.customer()).text(tenant.profile()).text(resourceId);
        }

        @Override
        public int rows() {
            return 1;
        }
    }

    record DeleteScores(Tenant tenant, String scorecardId, int expectedRows) implements Write {
        @Override
        public String sql() {
            return "DELETE FROM director.scores WHERE customer = ? AND profile = ? AND scorecard_id = ?";
        }

        @Override
        public void bind(Binder b) throws SQLException {
            b.text(tenant.customer()).text(tenant.profile()).text(scorecardId);
        }

        @Override
        public int rows() {
            return expectedRows;
        }
    }

    record DeleteScorecard(Tenant tenant, String resourceId) implements Write {
        @Override
        public String sql() {
            return "DELETE FROM director.scorecards WHERE customer = ? AND profile = ? AND resource_id = ?";
        }

        @Override
        public void bind(Binder b) throws SQLException {
            b.text(tenant.customer()).text(tenant.profile()).text(resourceId);
        }

        @Override
        public int rows() {
            return 1;
        }
    }

    /** Binds parameters in order on one (possibly multi-statement) prepared statement. */
    final class Binder {
        private final Connection connection;
        private PreparedStatement statement;
        private int index;

        Binder(Connection connection) {
            this.connection = connection;
        }

        void reset(PreparedStatement ps) {
            statement = ps;
            index = 0;
        }

        Binder text(String v) throws SQLException {
            statement.setString(++index, v);
            return this;
        }

        Binder integer(Integer v) throws SQLException {
            if (v == null) {
                statement.setNull(++index, Types.INTEGER);
            } else {
                statement.setInt(++index, v);
            }
            return this;
        }

        Binder time(Instant v) throws SQLException {
            if (v == null) {
                statement.setNull(++index, Types.TIMESTAMP_WITH_TIMEZONE);
            } else {
                statement.setObject(++index, OffsetDateTime.ofInstant(v, ZoneOffset.UTC), Types.TIMESTAMP_WITH_TIMEZONE);
            }
            return this;
        }

        Binder texts(List<String> v) throws SQLException {
            statement.setArray(++index, connection.createArrayOf("text", v.toArray(new String[0])));
            return this;
        }
    }
}
