package io.cdcsentinel.verify;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Small builders: one fact per test. */
final class VerifyFixtures {
    static final Instant FROM = Instant.parse("2026-01-05T00:00:00Z");
    static final Instant TO = Instant.parse("2026-01-07T00:00:00Z");
    /** The pipeline's position in these tests: noon of the second day. */
    static final long POSITION_MS = Instant.parse("2026-01-06T12:00:00Z").toEpochMilli();
    static final long DAY1 = Instant.parse("2026-01-05T08:00:00Z").getEpochSecond();
    static final long DAY2 = Instant.parse("2026-01-06T08:00:00Z").getEpochSecond();
    /** Settle 30 s, grace 5 min, margins 10 s. */
    static final Cutoffs CUTOFFS = new Cutoffs(POSITION_MS, POSITION_MS, Duration.ofSeconds(30), Duration.ofMinutes(5),
            Duration.ofSeconds(10), Duration.ofSeconds(10));

    private VerifyFixtures() {
    }

    static VerifyWindow window() {
        return new VerifyWindow(FROM, TO, List.of());
    }

    static LabelRow label(String customer, String conversation, long created) {
        return new LabelRow(customer, "p1", conversation, "agent-1", "uc-1", created, created + 600, 2, 1, "HANDOFF");
    }

    static ExpectedLabel expected(LabelRow row) {
        return new ExpectedLabel(row, (row.endedAt() == null ? row.startedAt() : row.endedAt()) * 1000);
    }

    static ExpectedLabel expectedChangedAt(LabelRow row, long changedMs) {
        return new ExpectedLabel(row, changedMs);
    }

    static FoundLabel found(LabelRow row) {
        return new FoundLabel(row, 42);
    }

    static LabelRow withAgent(LabelRow row, String agent) {
        return new LabelRow(row.customerId(), row.profileId(), row.conversationId(), agent, row.usecaseId(), row.startedAt(),
                row.endedAt(), row.assistShown(), row.assistUsed(), row.botOutcome());
    }

    static LabelRow open(LabelRow row) {
        return new LabelRow(row.customerId(), row.profileId(), row.conversationId(), row.agentUserId(), row.usecaseId(),
                row.startedAt(), null, row.assistShown(), row.assistUsed(), row.botOutcome());
    }

    /** An eligible scorecard without historic rows, created (and last changed) at {@code created}. */
    static SourceScorecard gap(String customer, String id, long created) {
        return new SourceScorecard(customer, "p1", id, true, false, false, false, created, created * 1000, created * 1000);
    }

    static SourceScorecard present(String customer, String id, long created) {
        return new SourceScorecard(customer, "p1", id, true, true, false, false, created, created * 1000, created * 1000);
    }

    static SourceScorecard changedAt(SourceScorecard s, long ms) {
        return new SourceScorecard(s.customer(), s.profile(), s.scorecardId(), s.eligible(), s.hasHistoric(), s.submitted(),
                s.process(), s.createdAt(), s.graceAnchorMs(), ms);
    }

    static OpenAlert alert(String customer, String id, long created) {
        return new OpenAlert(customer, "p1", id, created, "AFTER_CREATE");
    }
}
