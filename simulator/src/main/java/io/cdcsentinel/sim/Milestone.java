package io.cdcsentinel.sim;

/**
 * A moment downstream latency is measured from, reported when the transaction that carries it has committed:
 * a conversation ended ({@code ended_at} set, first time or after a reopen), or a scorecard that will be an open
 * gap at quiescence (its historic write never happens) was created or first submitted: the two moments its grace
 * periods run from.
 */
public record Milestone(Kind kind, Tenant tenant, String id) {
    public enum Kind { CONVERSATION_ENDED, GAP_SCORECARD_CREATED, GAP_SCORECARD_SUBMITTED }

    /** Receives milestones on the writer threads, right after their transaction committed. */
    @FunctionalInterface
    public interface Listener {
        void reached(Milestone milestone, long committedEpochMillis);
    }
}
