package io.cdcsentinel.topology.gaps;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * Writes scorecards into PostgreSQL the way the director API does (domain.md section 1): one transaction
 * for the scorecard and its scores, then the historic rows in a transaction of their own (the
 * fire-and-forget write that sometimes never happens), submission as an update that skips the historic
 * write. The fate of every scorecard is drawn from a seeded random, so a run is reproducible.
 */
final class ApiWorkload {
    static final int SCORES_PER_SCORECARD = 3;

    /** What happens to one scorecard. */
    record Plan(String customer, String profile, String id, Integer type, String calibratedFrom, String conversationId,
            boolean submitted, boolean submitBeforeHistoric, Historic historic, boolean softDeleteLater,
            boolean hardDeleteLater) {
    }

    enum Historic { WRITTEN, DROPPED, LATE }

    private final List<Plan> plans = new ArrayList<>();

    /**
     * {@code count} scorecards over two tenants: mostly originals (type NULL, some 0), with appeals,
     * calibration copies, other types and process scorecards mixed in; {@code droppedShare} of the historic
     * writes never happen, a few happen only after the grace period; a fifth are submitted, some before their
     * historic write; a few are soft- or hard-deleted later.
     */
    static ApiWorkload plan(int count, double droppedShare, long seed) {
        ApiWorkload workload = new ApiWorkload();
        Random random = new Random(seed);
        String[][] tenants = {{"acme", "support"}, {"globex", "sales"}};
        for (int i = 0; i < count; i++) {
            String[] tenant = tenants[i % tenants.length];
            int kind = random.nextInt(100);
            Integer type = kind < 80 ? null : kind < 85 ? Integer.valueOf(0) : kind < 90 ? Integer.valueOf(1 + random.nextInt(3))
                    : kind < 93 ? Integer.valueOf(5) : null;
            String calibratedFrom = kind >= 93 && kind < 96 ? "sc-" + random.nextInt(count) : null;
            String conversation = kind >= 96 ? (kind % 2 == 0 ? null : "") : "conv-" + i;
            double fate = random.nextDouble();
            Historic historic = fate < droppedShare ? Historic.DROPPED : fate < droppedShare + 0.03 ? Historic.LATE : Historic.WRITTEN;
            boolean submitted = random.nextInt(5) == 0;
            boolean submitBeforeHistoric = submitted && random.nextBoolean();
            int deletion = random.nextInt(100);
            workload.plans.add(new Plan(tenant[0], tenant[1], "sc-" + i, type, calibratedFrom, conversation, submitted,
                    submitBeforeHistoric, historic, deletion < 2, deletion == 2));
        }
        return workload;
    }

    List<Plan> plans() {
        return plans;
    }

    /** The chats of half of the conversations, a third of those ended. */
    void writeChats(Connection connection) throws SQLException {
        try (PreparedStatement chat = connection.prepareStatement("INSERT INTO app.chats (conversation_id, customer_id,"
                + " profile_id, agent_user_id, usecase_id, created_at, ended_at, updated_at)"
                + " VALUES (?, ?, ?, 'agent-1', 'uc-1', now() - interval '1 hour',"
                + " CASE WHEN ? THEN now() - interval '30 minutes' END, now())")) {
            int n = 0;
            for (Plan plan : plans) {
                if (plan.conversationId() != null && !plan.conversationId().isEmpty() && n++ % 2 == 0) {
                    chat.setString(1, plan.conversationId());
                    chat.setString(2, plan.customer());
                    chat.setString(3, plan.profile());
                    chat.setBoolean(4, n % 3 == 0);
                    chat.addBatch();
                }
            }
            chat.executeBatch();
        }
    }

    /** Phase one: every scorecard is created, submitted and (unless its plan says otherwise) written to historic. */
    void writeCreations(Connection connection) throws SQLException {
        connection.setAutoCommit(false);
        for (Plan plan : plans) {
            createScorecard(connection, plan);
            connection.commit();
            if (plan.submitted() && plan.submitBeforeHistoric()) {
                submit(connection, plan);
                connection.commit();
            }
            if (plan.historic() == Historic.WRITTEN) {
                writeHistoric(connection, plan);
                connection.commit();
            }
            if (plan.submitted() && !plan.submitBeforeHistoric()) {
                submit(connection, plan);
                connection.commit();
            }
        }
        connection.setAutoCommit(true);
    }

    /** Phase two, after the grace period: late historic writes (a backfill) and deletions. */
    void writeLateChanges(Connection connection) throws SQLException {
        connection.setAutoCommit(false);
        for (Plan plan : plans) {
            if (plan.historic() == Historic.LATE) {
                writeHistoric(connection, plan);
                connection.commit();
            }
            if (plan.softDeleteLater()) {
                update(connection, "UPDATE director.scorecards SET deleted_at = now(), updated_at = now()"
                        + " WHERE customer = ? AND profile = ? AND resource_id = ?", plan);
                connection.commit();
            }
            if (plan.hardDeleteLater()) {
                update(connection, "DELETE FROM director.scores WHERE customer = ? AND profile = ? AND scorecard_id = ?", plan);
                update(connection, "DELETE FROM director.scorecards WHERE customer = ? AND profile = ? AND resource_id = ?", plan);
                connection.commit();
            }
        }
        connection.setAutoCommit(true);
    }

    /**
     * Waits until PostgreSQL's clock is past the grace period of every scorecard written so far, so that
     * what is written next is late by the database's own clock.
     */
    static void awaitGraceExpiry(Connection connection, java.time.Duration grace) {
        org.awaitility.Awaitility.await("the grace of every scorecard expired").atMost(grace.plusMinutes(1))
                .pollInterval(java.time.Duration.ofMillis(250)).until(() -> {
                    try (PreparedStatement query = connection.prepareStatement(
                            "SELECT now() > max(created_at) + make_interval(secs => ?) FROM director.scorecards")) {
                        query.setDouble(1, grace.toMillis() / 1000.0 + 0.5);
                        try (var rows = query.executeQuery()) {
                            return rows.next() && rows.getBoolean(1);
                        }
                    }
                });
    }

    /**
     * A change nobody is alerted about (an appeal scorecard) written after everything else: it carries the
     * stream time past every grace deadline, as the next write of a live system does.
     */
    static void writeClockTick(Connection connection, String id) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO director.scorecards (customer, profile,"
                + " resource_id, template_id, conversation_id, scorecard_type) VALUES ('clock', 'clock', ?, 'tpl', 'c', 2)")) {
            insert.setString(1, id);
            insert.executeUpdate();
        }
    }

    private static void createScorecard(Connection connection, Plan plan) throws SQLException {
        try (PreparedStatement scorecard = connection.prepareStatement("INSERT INTO director.scorecards (customer, profile,"
                + " resource_id, template_id, conversation_id, scorecard_type, calibrated_scorecard_id, created_at, updated_at)"
                + " VALUES (?, ?, ?, 'tpl-1', ?, ?, ?, now(), now())");
                PreparedStatement score = connection.prepareStatement("INSERT INTO director.scores (customer, profile,"
                        + " resource_id, scorecard_id, criterion_id, numeric_value, created_at) VALUES (?, ?, ?, ?, ?, 4.5, now())")) {
            scorecard.setString(1, plan.customer());
            scorecard.setString(2, plan.profile());
            scorecard.setString(3, plan.id());
            scorecard.setString(4, plan.conversationId());
            scorecard.setObject(5, plan.type(), java.sql.Types.INTEGER);
            scorecard.setString(6, plan.calibratedFrom());
            scorecard.executeUpdate();
            for (int c = 0; c < SCORES_PER_SCORECARD; c++) {
                score.setString(1, plan.customer());
                score.setString(2, plan.profile());
                score.setString(3, plan.id() + "-score-" + c);
                score.setString(4, plan.id());
                score.setString(5, "crit-" + c);
                score.addBatch();
            }
            score.executeBatch();
        }
    }

    private static void writeHistoric(Connection connection, Plan plan) throws SQLException {
        try (PreparedStatement historic = connection.prepareStatement("INSERT INTO historic.scorecard_scores (customer_id,"
                + " profile_id, scorecard_id, criterion_id, conversation_id, score, scorecard_time, created_at)"
                + " VALUES (?, ?, ?, ?, NULLIF(?, ''), 4.5, now(), now())")) {
            for (int c = 0; c < SCORES_PER_SCORECARD; c++) {
                historic.setString(1, plan.customer());
                historic.setString(2, plan.profile());
                historic.setString(3, plan.id());
                historic.setString(4, "crit-" + c);
                historic.setString(5, plan.conversationId());
                historic.addBatch();
            }
            historic.executeBatch();
        }
    }

    private static void submit(Connection connection, Plan plan) throws SQLException {
        update(connection, "UPDATE director.scorecards SET submitted_at = now(), updated_at = now()"
                + " WHERE customer = ? AND profile = ? AND resource_id = ?", plan);
    }

    private static void update(Connection connection, String sql, Plan plan) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, plan.customer());
            statement.setString(2, plan.profile());
            statement.setString(3, plan.id());
            statement.executeUpdate();
        }
    }

    /**
     * The rule of domain.md as the investigation ran it, on PostgreSQL: eligible scorecards older than the
     * grace period with no historic row of the same tenant. This is the oracle of the integration tests.
     */
    static final String MISSING_FROM_HISTORIC = """
            SELECT s.customer, s.profile, s.resource_id
            FROM director.scorecards s
            WHERE s.calibrated_scorecard_id IS NULL
              AND (s.scorecard_type IS NULL OR s.scorecard_type = 0)
              AND s.deleted_at IS NULL
              AND s.created_at < now() - make_interval(secs => ?)
              AND NOT EXISTS (SELECT 1 FROM historic.scorecard_scores h
                              WHERE h.customer_id = s.customer AND h.profile_id = s.profile
                                AND h.scorecard_id = s.resource_id)
            """;

    static Set<String> missingFromHistoric(Connection connection, java.time.Duration grace) throws SQLException {
        Set<String> missing = new TreeSet<>();
        try (PreparedStatement query = connection.prepareStatement(MISSING_FROM_HISTORIC)) {
            query.setDouble(1, grace.toMillis() / 1000.0);
            try (var rows = query.executeQuery()) {
                while (rows.next()) {
                    missing.add(GapPipeline.id(rows.getString(1), rows.getString(2), rows.getString(3)));
                }
            }
        }
        return missing;
    }

    /** Per tenant: eligible scorecards and those missing, submitted and unsubmitted (the roll-ups' totals). */
    static final String ELIGIBLE_BY_TENANT = """
            SELECT s.customer, s.profile, s.submitted_at IS NOT NULL AS submitted, count(*) AS total,
                   count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM historic.scorecard_scores h
                                    WHERE h.customer_id = s.customer AND h.profile_id = s.profile
                                      AND h.scorecard_id = s.resource_id)) AS missing
            FROM director.scorecards s
            WHERE s.calibrated_scorecard_id IS NULL
              AND (s.scorecard_type IS NULL OR s.scorecard_type = 0)
              AND s.deleted_at IS NULL
            GROUP BY 1, 2, 3
            """;
}
