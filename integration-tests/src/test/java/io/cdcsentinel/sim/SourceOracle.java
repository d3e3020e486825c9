package io.cdcsentinel.sim;

import io.cdcsentinel.verify.SourceRules;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** domain.md's rules as SQL against the source tables ({@link SourceRules}, shared with {@code verify}): what the truth file must agree with. */
public final class SourceOracle {
    /** The investigation's rule: eligible and no historic row with its id under the same customer/profile. */
    public static final String OPEN_GAPS = SourceRules.OPEN_GAPS;

    /** Final labels of ended conversations; handoff wins over bot-resolved. */
    public static final String LABELS = SourceRules.LABELS;

    /** Eligible totals and open gaps per customer/profile and UTC hour of created_at. */
    static final String HOUR_BUCKETS = "WITH e AS (SELECT s.customer, s.profile,"
            + " date_trunc('hour', s.created_at AT TIME ZONE 'UTC') AS bucket, s.submitted_at IS NOT NULL AS submitted, "
            + SourceRules.PROCESS + " AS process, NOT " + SourceRules.HAS_HISTORIC + " AS missing"
            + " FROM director.scorecards s WHERE " + SourceRules.ELIGIBLE + ")"
            + " SELECT customer, profile, bucket,"
            + " count(*) FILTER (WHERE submitted), count(*) FILTER (WHERE submitted AND missing),"
            + " count(*) FILTER (WHERE NOT submitted), count(*) FILTER (WHERE NOT submitted AND missing),"
            + " count(*) FILTER (WHERE process), count(*) FILTER (WHERE process AND missing)"
            + " FROM e GROUP BY customer, profile, bucket";

    record GapRow(String customer, String profile, String scorecardId, boolean submitted, boolean process) {
    }

    private SourceOracle() {
    }

    static List<GapRow> openGaps(Connection c) throws SQLException {
        List<GapRow> rows = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(OPEN_GAPS)) {
            while (rs.next()) {
                rows.add(new GapRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBoolean(4), rs.getBoolean(5)));
            }
        }
        return rows;
    }

    static Set<Truth.Label> labels(Connection c) throws SQLException {
        Set<Truth.Label> rows = new HashSet<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(LABELS)) {
            while (rs.next()) {
                int used = rs.getInt("used");
                rows.add(new Truth.Label(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), instant(rs, 6), instant(rs, 7), rs.getInt("shown"), used, used > 0,
                        rs.getString("outcome")));
            }
        }
        return rows;
    }

    static Set<Truth.Bucket> hourBuckets(Connection c) throws SQLException {
        Set<Truth.Bucket> rows = new HashSet<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(HOUR_BUCKETS)) {
            while (rs.next()) {
                Instant bucket = rs.getObject(3, java.time.LocalDateTime.class).toInstant(java.time.ZoneOffset.UTC);
                rows.add(new Truth.Bucket(rs.getString(1), rs.getString(2), "HOUR", bucket, rs.getLong(4), rs.getLong(5),
                        rs.getLong(6), rs.getLong(7), rs.getLong(8), rs.getLong(9)));
            }
        }
        return rows;
    }

    static long count(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** The five tables, every column, in primary-key order: equal text means equal rows. */
    static String dump(Connection c) throws SQLException {
        StringBuilder sb = new StringBuilder();
        String[] queries = {
            "SELECT md5(string_agg(t::text, '|' ORDER BY customer, profile, resource_id)) FROM director.scorecards t",
            "SELECT md5(string_agg(t::text, '|' ORDER BY customer, profile, resource_id)) FROM director.scores t",
            "SELECT md5(string_agg(t::text, '|' ORDER BY customer_id, profile_id, scorecard_id, criterion_id))"
                    + " FROM historic.scorecard_scores t",
            "SELECT md5(string_agg(t::text, '|' ORDER BY customer_id, profile_id, conversation_id)) FROM app.chats t",
            "SELECT md5(string_agg(t::text, '|' ORDER BY customer_id, profile_id, event_id)) FROM app.chat_events t",
        };
        try (Statement s = c.createStatement()) {
            s.execute("SET TIME ZONE 'UTC'");
            for (String q : queries) {
                try (ResultSet rs = s.executeQuery(q)) {
                    rs.next();
                    sb.append(rs.getString(1)).append('\n');
                }
            }
        }
        return sb.toString();
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }
}
