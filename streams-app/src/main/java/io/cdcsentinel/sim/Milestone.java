package io.cdcsentinel.sim;

/**
 * A moment downstream latency is measured from, reported when the transaction that carries it has committed:
 * a conversation ended ({@code ended_at} set, first time or after a reopen), or a scorecard was created that
 * will be an open gap at quiescence (its historic write never happens).
 */
public record Milestone(Kind kind, Tenant tenant, String id) {
    public enum Kind { CONVERSATION_ENDED, GAP_SCORECARD_CREATED }

    /** Receives milestones on the writer threads, right after their transaction committed. */
    @FunctionalInterface
    public interface Listener {
        void reached(Milestone milestone, long committedEpochMillis);
    }
}
