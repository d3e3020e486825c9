package io.cdcsentinel.cdc;

/**
 * A parsed Debezium change event. The mapping this project applies everywhere:
 *
 * <table>
 *   <caption>Debezium envelope to state</caption>
 *   <tr><th>op</th><th>row used</th><th>meaning</th></tr>
 *   <tr><td>c, r, u</td><td>{@code after}</td><td>the row now exists with these values</td></tr>
 *   <tr><td>d</td><td>{@code before}</td><td>the row is gone; {@code before} holds at least its key</td></tr>
 *   <tr><td>t</td><td>none</td><td>truncate: skipped (logged and counted), never applied</td></tr>
 *   <tr><td>m</td><td>none</td><td>logical decoding message: skipped</td></tr>
 *   <tr><td>tombstone (null value)</td><td>none</td><td>follows every d for compaction; skipped by the topologies</td></tr>
 * </table>
 *
 * @param schema source schema, e.g. {@code director}
 * @param table source table, e.g. {@code scorecards}
 */
public record ChangeEvent(String schema, String table, Op op, Row before, Row after, SourcePosition source) {

    public boolean isDelete() {
        return op == Op.DELETE;
    }

    /** True for c, r, u and d: the events that change a row. */
    public boolean isRowChange() {
        return op == Op.CREATE || op == Op.READ || op == Op.UPDATE || op == Op.DELETE;
    }

    /** The row the change is about: {@code after} for c/r/u, {@code before} for d. */
    public Row row() {
        Row row = isDelete() ? before : after;
        if (row == null) {
            throw new BadChangeException("op '" + op.code() + "' without " + (isDelete() ? "before" : "after") + " image");
        }
        return row;
    }
}
