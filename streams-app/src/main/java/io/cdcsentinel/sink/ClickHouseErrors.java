package io.cdcsentinel.sink;

import com.clickhouse.client.api.ServerException;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * Which failures of a ClickHouse request are worth another attempt. Retrying is always safe for the
 * sink's data (before each retry it re-reads what ClickHouse holds and drops what is already there),
 * so the question is only whether waiting can change the answer.
 *
 * <p>Retriable: the server error codes in {@link #RETRIABLE_CODES}, each with the reason; any
 * {@link IOException} or timeout in the cause chain (connection refused or reset, socket timeout, no
 * response); and, for servers older than 19.x, which send no {@code X-ClickHouse-Exception-Code} header
 * (so {@code client-v2} reports code 0 and no message), an HTTP 5xx status. Everything else (syntax, unknown
 * table or column, type mismatch, authentication, 4xx) is permanent: the same request would fail again.
 */
public final class ClickHouseErrors {

    /** Server error codes after which the same request can succeed later (ClickHouse's ErrorCodes.cpp). */
    public static final Map<Integer, String> RETRIABLE_CODES = Map.ofEntries(
            // The request body arrived cut short: a network failure between us and the server, not bad data
            // (the sink generates every row itself).
            Map.entry(3, "UNEXPECTED_END_OF_FILE"),
            // The server gave up on a slow query or a slow peer; the next attempt may be faster.
            Map.entry(159, "TIMEOUT_EXCEEDED"),
            // Replica read-only while it reconnects to ZooKeeper/Keeper.
            Map.entry(164, "READONLY"),
            // Admission control: max_concurrent_queries reached; back off and come back.
            Map.entry(202, "TOO_MANY_SIMULTANEOUS_QUERIES"),
            Map.entry(203, "NO_FREE_CONNECTION"),
            Map.entry(209, "SOCKET_TIMEOUT"),
            Map.entry(210, "NETWORK_ERROR"),
            // Another INSERT of the same partition still runs under the same query_id (the sink's
            // per-partition lock, see LabelTable#insertQueryId): wait for it to finish, then re-read.
            Map.entry(216, "QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING"),
            Map.entry(225, "NO_ZOOKEEPER"),
            // Memory is shared with other queries; it frees up.
            Map.entry(241, "MEMORY_LIMIT_EXCEEDED"),
            Map.entry(242, "TABLE_IS_READ_ONLY"),
            // Inserts outpace merges; the server asks writers to slow down.
            Map.entry(252, "TOO_MANY_PARTS"),
            Map.entry(285, "TOO_FEW_LIVE_REPLICAS"),
            // The INSERT may or may not have been committed: the re-read before the retry decides.
            Map.entry(319, "UNKNOWN_STATUS_OF_INSERT"),
            // Cancelled by a server shutting down or by KILL QUERY, not refused.
            Map.entry(394, "QUERY_WAS_CANCELLED"),
            Map.entry(425, "SYSTEM_ERROR"),
            Map.entry(439, "CANNOT_SCHEDULE_TASK"),
            Map.entry(473, "DEADLOCK_AVOIDED"),
            Map.entry(999, "KEEPER_EXCEPTION"),
            // What the server reports for an exception it cannot classify (often a network one).
            Map.entry(1002, "UNKNOWN_EXCEPTION"));

    private ClickHouseErrors() {
    }

    public static boolean isRetriable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ServerException server) {
                if (server.getCode() > 0) {
                    return RETRIABLE_CODES.containsKey(server.getCode());
                }
                // No code: a pre-19 server. Only the HTTP status is left; 5xx covers the retriable codes.
                return server.getTransportProtocolCode() >= 500;
            }
            if (t instanceof IOException || t instanceof TimeoutException) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /** A short description for logs and reports: the server code and name when there is one. */
    public static String describe(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ServerException server) {
                String name = RETRIABLE_CODES.get(server.getCode());
                return "ClickHouse error " + server.getCode() + (name == null ? "" : " " + name) + " (HTTP "
                        + server.getTransportProtocolCode() + "): " + firstLine(server.getMessage());
            }
            if (t.getCause() == null || t.getCause() == t) {
                return t.getClass().getSimpleName() + ": " + firstLine(t.getMessage());
            }
        }
        return String.valueOf(failure);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 500 ? line.substring(0, 500) + "..." : line;
    }
}
