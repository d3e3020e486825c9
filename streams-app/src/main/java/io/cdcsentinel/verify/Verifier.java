package io.cdcsentinel.verify;

import io.cdcsentinel.avro.GapEventType;
import io.cdcsentinel.avro.ScorecardGapEvent;
import io.cdcsentinel.avro.ScorecardGapKey;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.SinkSettings.Layout;
import io.cdcsentinel.kafka.TopicScan;
import io.cdcsentinel.sink.LabelStore;
import io.cdcsentinel.sink.LabelTable;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.stream.Collectors;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The comparison itself, set-based on both sides: one grouped query on PostgreSQL and one on ClickHouse per check,
 * streamed and merged in Java; the gap topic read once to its end. Never a query per row.
 *
 * <p>Order of reads: the position first ({@link PositionReader}), then ClickHouse and the gap topic, then PostgreSQL
 * in one repeatable-read snapshot. So whatever ClickHouse or the topic show is at least as new as the position, and
 * PostgreSQL is newer still: a row that differs because PostgreSQL changed after the position shows a change time
 * after it, and is reported in flight ({@link Cutoffs}).
 */
public final class Verifier {
    private static final int FETCH = 10_000;

    private Verifier() {
    }

    /** The customers of {@code window} that none of the five source tables knows. */
    public static List<String> unknownCustomers(Connection pg, List<String> customers) throws SQLException {
        if (customers.isEmpty()) {
            return List.of();
        }
        List<String> unknown = new ArrayList<>();
        try (PreparedStatement ps = pg.prepareStatement(SourceRules.UNKNOWN_CUSTOMERS)) {
            ps.setArray(1, pg.createArrayOf("text", customers.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    unknown.add(rs.getString(1));
                }
            }
        }
        return unknown;
    }

    /**
     * Compares both checks for {@code window} and fills {@code report}. {@code openAlerts} are the open alerts of the
     * window (see {@link #openAlerts}); ClickHouse is read before PostgreSQL.
     */
    public static void compare(Connection pg, LabelStore clickhouse, Map<String, OpenAlert> openAlerts, VerifyWindow window,
            Cutoffs cutoffs, VerifyReport report) throws SQLException {
        boolean autoCommit = pg.getAutoCommit();
        int isolation = pg.getTransactionIsolation();
        try (LabelStore.Rows found = clickhouse.stream(labelsQuery(clickhouse.table(), window))) {
            // ClickHouse's answer is already being produced; the snapshot begins now, after it.
            pg.setAutoCommit(false);
            pg.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try (Statement s = pg.createStatement()) {
                // the label query sorts the window by key; in memory rather than on disk
                s.execute("SET LOCAL work_mem = '256MB'");
            }
            try (PreparedStatement ps = prepare(pg, SourceRules.labelsInWindow(!window.customers().isEmpty()), window);
                    ResultSet rs = ps.executeQuery()) {
                LabelComparison.merge(expectedLabels(rs), foundLabels(found, clickhouse.table().layout()), cutoffs, report);
            }
            try (PreparedStatement ps = prepare(pg, SourceRules.scorecardsInWindow(!window.customers().isEmpty()), window);
                    ResultSet rs = ps.executeQuery()) {
                GapComparison.compare(scorecards(rs), openAlerts, cutoffs, report);
            }
            pg.commit();
        } finally {
            pg.setAutoCommit(autoCommit);
            pg.setTransactionIsolation(isolation);
        }
    }

    /**
     * The ClickHouse side: live rows of the window in key order. The window and customers are applied inside the
     * {@code FINAL} subquery (both are the same in every version of a row), {@code is_deleted} only after it: filtered
     * before the merge, a deleted newer version would hide and an older live one show (18.16 moves WHERE conditions
     * to PREWHERE, which runs before FINAL).
     */
    static String labelsQuery(LabelTable table, VerifyWindow window) {
        String customers = window.customers().isEmpty() ? ""
                : " AND customer_id IN (" + window.customers().stream().map(LabelTable::literal).collect(Collectors.joining(", ")) + ")";
        return "SELECT customer_id, profile_id, conversation_id, agent_user_id, usecase_id, start_s, end_s, assist_shown_count,"
                + " assist_used_count, bot_outcome, version FROM (SELECT customer_id, profile_id, conversation_id, agent_user_id,"
                + " usecase_id, toUInt32(conversation_start_time) AS start_s, toUInt32(conversation_end_time) AS end_s,"
                + " assist_shown_count, assist_used_count, bot_outcome, version, is_deleted FROM " + table.qualifiedName()
                + " FINAL WHERE toUInt32(conversation_start_time) >= " + window.fromSeconds()
                + " AND toUInt32(conversation_start_time) < " + window.toSeconds() + customers + ")"
                + " WHERE is_deleted = 0 ORDER BY customer_id, profile_id, conversation_id";
    }

    /**
     * The open alerts of the window: the compacted gap topic read from its start to its end offsets with
     * {@code read_committed}, latest event per key, kept when it is OPENED and its scorecard was created in the
     * window (and belongs to one of its customers).
     */
    public static Map<String, OpenAlert> openAlerts(KafkaSettings kafka, String topic, Deserializer<ScorecardGapKey> keys,
            Deserializer<ScorecardGapEvent> values, VerifyWindow window) {
        Map<String, OpenAlert> open = new HashMap<>();
        long from = window.fromSeconds();
        long to = window.toSeconds();
        new TopicScan().scan(kafka, topic, keys, values, (k, e) -> {
            if (k == null) {
                return;
            }
            String key = k.getCustomer() + "/" + k.getProfile() + "/" + k.getScorecardId();
            long created = e == null ? 0 : e.getCreatedAt().getEpochSecond();
            if (e != null && e.getEventType() == GapEventType.OPENED && created >= from && created < to
                    && (window.customers().isEmpty() || window.customers().contains(e.getCustomer()))) {
                open.put(key, new OpenAlert(e.getCustomer(), e.getProfile(), e.getScorecardId(), created, e.getStage().name()));
            } else {
                open.remove(key);
            }
        });
        return open;
    }

    private static PreparedStatement prepare(Connection pg, String sql, VerifyWindow window) throws SQLException {
        PreparedStatement ps = pg.prepareStatement(sql);
        ps.setFetchSize(FETCH);
        ps.setObject(1, OffsetDateTime.ofInstant(window.from(), ZoneOffset.UTC));
        ps.setObject(2, OffsetDateTime.ofInstant(window.to(), ZoneOffset.UTC));
        if (!window.customers().isEmpty()) {
            Array customers = pg.createArrayOf("text", window.customers().toArray());
            ps.setArray(3, customers);
        }
        return ps;
    }

    private static Iterator<ExpectedLabel> expectedLabels(ResultSet rs) {
        return new RowIterator<>(rs) {
            @Override
            ExpectedLabel read(ResultSet r) throws SQLException {
                long ended = r.getLong(7);
                Long endedAt = r.wasNull() ? null : ended;
                return new ExpectedLabel(new LabelRow(r.getString(1), r.getString(2), r.getString(3), r.getString(4),
                        r.getString(5), r.getLong(6), endedAt, r.getInt(8), r.getInt(9), r.getString(10)), r.getLong(11));
            }
        };
    }

    private static Iterator<SourceScorecard> scorecards(ResultSet rs) {
        return new RowIterator<>(rs) {
            @Override
            SourceScorecard read(ResultSet r) throws SQLException {
                return new SourceScorecard(r.getString(1), r.getString(2), r.getString(3), r.getBoolean(4), r.getBoolean(5),
                        r.getBoolean(6), r.getBoolean(7), r.getLong(8), r.getLong(9), r.getLong(10));
            }
        };
    }

    private static Iterator<FoundLabel> foundLabels(LabelStore.Rows rows, Layout layout) {
        return new Iterator<>() {
            private String[] next = rows.next();

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public FoundLabel next() {
                if (next == null) {
                    throw new NoSuchElementException();
                }
                String[] f = next;
                next = rows.next();
                String agent = f[3];
                if (layout == Layout.LEGACY && "".equals(agent)) {
                    agent = null; // the legacy sorting key cannot hold NULL: the sink writes '' for no agent
                }
                return new FoundLabel(new LabelRow(f[0], f[1], f[2], agent, f[4], longOrNull(f[5]), longOrNull(f[6]),
                        Integer.parseInt(f[7]), Integer.parseInt(f[8]), f[9]), Long.parseUnsignedLong(f[10]));
            }
        };
    }

    private static Long longOrNull(String s) {
        return s == null ? null : Long.valueOf(s);
    }

    /** A forward-only ResultSet as an iterator; SQL errors surface unchecked. */
    private abstract static class RowIterator<T> implements Iterator<T> {
        private final ResultSet rs;
        private Boolean hasNext;

        RowIterator(ResultSet rs) {
            this.rs = rs;
        }

        abstract T read(ResultSet r) throws SQLException;

        @Override
        public boolean hasNext() {
            if (hasNext == null) {
                try {
                    hasNext = rs.next();
                } catch (SQLException e) {
                    throw new IllegalStateException("reading PostgreSQL: " + e.getMessage(), e);
                }
            }
            return hasNext;
        }

        @Override
        public T next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            hasNext = null;
            try {
                return read(rs);
            } catch (SQLException e) {
                throw new IllegalStateException("reading PostgreSQL: " + e.getMessage(), e);
            }
        }
    }

    /** Margin of {@link Cutoffs} for labels: clock margin, the label fallback's idle time and punctuation, sink linger, commit. */
    public static Duration labelsMargin(Duration fallbackIdle, Duration punctuation, Duration sinkLinger, Duration commit) {
        return CLOCK_MARGIN.plus(fallbackIdle).plus(punctuation).plus(sinkLinger).plus(commit);
    }

    /** Margin of {@link Cutoffs} for gaps: clock margin, the gap clock's idle time and punctuation, commit. */
    public static Duration gapsMargin(Duration idleAfter, Duration punctuation, Duration commit) {
        return CLOCK_MARGIN.plus(idleAfter).plus(punctuation).plus(commit);
    }

    /** How much earlier than its commit an application-set time (updated_at, created_at = now()) can be. */
    public static final Duration CLOCK_MARGIN = Duration.ofSeconds(2);
}
