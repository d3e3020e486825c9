package io.cdcsentinel.cdc;

/**
 * Where a change sits in PostgreSQL's commit order, from the Debezium {@code source} block and (with
 * {@code provide.transaction.metadata=true}) the {@code transaction} block.
 *
 * <ul>
 *   <li>{@code lsn}: the WAL position of the change itself. Within one transaction it increases with
 *       each change; across transactions it does not follow commit order (a transaction that began
 *       earlier can commit later), so it is not a version on its own.</li>
 *   <li>{@code lastCommitLsn}: the first element of {@code source.sequence}: the end of the previous
 *       commit the connector streamed. Transactions are streamed in commit order, so it strictly
 *       increases from one transaction to the next and is the same for every change of a transaction.
 *       It is absent for snapshot rows and for the first transaction streamed after the connector's
 *       very first start.</li>
 *   <li>{@code totalOrder}: the change's 1-based position in its transaction.</li>
 * </ul>
 *
 * @param tsMs commit time of the transaction (snapshot: time of the snapshot read), in ms
 */
public record SourcePosition(long lsn, Long lastCommitLsn, Long txId, long tsMs, boolean snapshot, Long totalOrder) {

    /** Commit positions at or above this bound cannot be packed into a 63-bit version (128 TiB of WAL). */
    public static final long MAX_COMMIT_POSITION = 1L << 47;
    static final int ORDER_BITS = 16;
    static final long MAX_ORDER = (1L << ORDER_BITS) - 1;

    /**
     * The version of the change: {@code commitPosition << 16 | min(orderInTransaction, 65535)}.
     *
     * <p>{@code commitPosition} is {@code lastCommitLsn}, or {@code lsn} where Debezium gives no previous
     * commit (snapshot rows, whose order is 0, and the first transaction after the connector's first
     * start). The order part is {@code transaction.total_order}. The result strictly increases in commit
     * order and, inside a transaction, in statement order, and depends on nothing but the record, so a
     * replay yields the same versions. Changes past the 65,535th of one transaction share the last value.
     * One exception to the commit order: the first transaction after the first start can have begun before
     * the snapshot point, and then its version (from its own change LSN) is below the snapshot rows' although
     * it committed after them; consumers tell snapshot versions apart with {@link #isSnapshotVersion}.
     *
     * @throws BadChangeException when the position cannot be read: a streamed change without transaction
     *         metadata, or a commit position beyond {@link #MAX_COMMIT_POSITION}
     */
    public long version() {
        long commitPosition = lastCommitLsn != null ? lastCommitLsn : lsn;
        if (commitPosition < 0 || commitPosition >= MAX_COMMIT_POSITION) {
            throw new BadChangeException("source position " + commitPosition + " cannot be packed into a 63-bit version");
        }
        long order;
        if (snapshot) {
            order = 0;
        } else if (totalOrder == null) {
            throw new BadChangeException("streamed change at lsn " + lsn + " has no transaction.total_order:"
                    + " the connector must run with provide.transaction.metadata=true");
        } else {
            order = Math.min(Math.max(totalOrder, 0), MAX_ORDER);
        }
        return (commitPosition << ORDER_BITS) | order;
    }

    /** True for the version of a snapshot read (order 0; a streamed change's order is its 1-based position). */
    public static boolean isSnapshotVersion(long version) {
        return (version & MAX_ORDER) == 0;
    }
}
