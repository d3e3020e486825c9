package io.cdcsentinel.sim;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One planned transaction: the writes of one simulated API call (or async job step), at its simulated time.
 *
 * @param story  the story it belongs to; all transactions of a story go through the same {@code lane}
 *               (connection), in order
 * @param seq    global order of planning, the tie-breaker for equal times
 * @param counts what to count once it has committed
 * @param milestones what to report to a {@link Milestone.Listener} once it has committed
 */
record Tx(long story, int lane, Instant at, long seq, List<Write> writes, Map<Count, Long> counts,
        List<Milestone> milestones) {

    int rows() {
        int n = 0;
        for (Write w : writes) {
            n += w.rows();
        }
        return n;
    }
}
