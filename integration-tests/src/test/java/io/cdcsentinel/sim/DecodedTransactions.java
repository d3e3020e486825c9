package io.cdcsentinel.sim;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;

/**
 * The committed transactions of a database as logical decoding sees them (the {@code test_decoding} plugin on a
 * slot of the test's own), i.e. what Debezium will see: transaction boundaries, order, and with REPLICA IDENTITY
 * FULL the old and new row of every update. Lets a test check the history of a row, not only its final state.
 */
final class DecodedTransactions {
    private static final Pattern CHANGE = Pattern.compile("^table (\\S+): (INSERT|UPDATE|DELETE): (.*)$");
    private static final Pattern COLUMN = Pattern.compile("(\\w+)\\[[^\\]]+\\]:('(?:[^']|'')*'|\\S+)");

    record Change(String table, String op, Map<String, String> before, Map<String, String> after) {
        String value(String column) {
            return (after != null ? after : before).get(column);
        }
    }

    private DecodedTransactions() {
    }

    static void createSlot(Connection c, String slot) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_create_logical_replication_slot('" + slot + "', 'test_decoding')");
        }
    }

    static void dropSlot(Connection c, String slot) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_drop_replication_slot('" + slot + "')");
        }
    }

    /**
     * Consumes the slot until {@code expected} transactions have been decoded (or 30 s pass), then reads once more
     * so that any surplus shows. Decoding only reaches WAL that has been flushed, and the test servers run with
     * {@code synchronous_commit=off}: the last commits become visible to it a moment after they returned.
     */
    static List<List<Change>> readAll(Connection c, String slot, long expected) throws SQLException {
        List<List<Change>> txs = new ArrayList<>();
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            txs.addAll(read(c, slot));
            return txs.size() >= expected;
        });
        txs.addAll(read(c, slot));
        return txs;
    }

    /** Consumes the slot: every transaction decoded since the last read, in commit order. */
    static List<List<Change>> read(Connection c, String slot) throws SQLException {
        List<List<Change>> txs = new ArrayList<>();
        List<Change> current = null;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT data FROM pg_logical_slot_get_changes('" + slot + "', NULL, NULL, 'include-xids', '0')")) {
            while (rs.next()) {
                String line = rs.getString(1);
                if (line.startsWith("BEGIN")) {
                    current = new ArrayList<>();
                } else if (line.startsWith("COMMIT")) {
                    txs.add(current);
                    current = null;
                } else {
                    Matcher m = CHANGE.matcher(line);
                    if (!m.matches()) {
                        throw new IllegalStateException("unexpected decoding output: " + line);
                    }
                    String body = m.group(3);
                    Map<String, String> before = null;
                    Map<String, String> after;
                    if (body.startsWith("old-key: ")) {
                        int split = body.indexOf(" new-tuple: ");
                        before = columns(body.substring("old-key: ".length(), split));
                        after = columns(body.substring(split + " new-tuple: ".length()));
                    } else {
                        after = columns(body);
                    }
                    if (m.group(2).equals("DELETE")) {
                        before = after;
                        after = null;
                    }
                    current.add(new Change(m.group(1), m.group(2), before, after));
                }
            }
        }
        return txs;
    }

    private static Map<String, String> columns(String text) {
        Map<String, String> values = new HashMap<>();
        Matcher m = COLUMN.matcher(text);
        while (m.find()) {
            String v = m.group(2);
            values.put(m.group(1), v.equals("null") ? null
                    : v.startsWith("'") ? v.substring(1, v.length() - 1).replace("''", "'") : v);
        }
        return values;
    }
}
