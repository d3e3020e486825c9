package io.cdcsentinel.sim;

import static io.cdcsentinel.sim.SimulatorIT.settings;
import static org.assertj.core.api.Assertions.assertThat;

import io.cdcsentinel.testing.StackExtension;
import io.cdcsentinel.testing.StackFixture;
import io.cdcsentinel.testing.TestDatabase;
import java.sql.Connection;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Each named scenario, alone, writes the pattern of the incident it is named after (domain.md). */
@ExtendWith(StackExtension.class)
class ScenarioPatternsIT {
    private static final String HISTORIC_OF_OWN_TENANT = "EXISTS (SELECT 1 FROM historic.scorecard_scores h"
            + " WHERE h.customer_id = s.customer AND h.profile_id = s.profile AND h.scorecard_id = s.resource_id)";

    @Test
    void shouldNeverLeaveAScorecardMissingInSteadyTraffic(StackFixture stack) throws Exception {
        TestDatabase db = stack.createDatabase();
        SimulationSummary summary = new Simulator(settings(db),
                WorkloadSpec.builder().seed(1).scenarios(Scenario.STEADY).count(500).build()).run();

        try (Connection c = db.connect()) {
            assertThat(SourceOracle.openGaps(c)).isEmpty();
            assertThat(summary.expected().openGaps()).isZero();
            // The async write lands 20-500 ms after the create, before any submission.
            assertThat(SourceOracle.count(c, "SELECT count(*) FROM director.scorecards s WHERE NOT EXISTS ("
                    + " SELECT 1 FROM historic.scorecard_scores h WHERE h.customer_id = s.customer"
                    + " AND h.profile_id = s.profile AND h.scorecard_id = s.resource_id"
                    + " AND h.created_at BETWEEN s.created_at + interval '20 ms' AND s.created_at + interval '500 ms'"
                    + " AND (s.submitted_at IS NULL OR h.created_at < s.submitted_at))")).isZero();
            assertThat(SourceOracle.count(c, "SELECT count(*) FROM director.scorecards")).isGreaterThan(500);
            assertThat(SourceOracle.count(c, "SELECT count(*) FROM app.chats WHERE ended_at IS NOT NULL"))
                    .isBetween(450L, 499L);
            assertThat(SourceOracle.count(c, "SELECT count(DISTINCT event_type) FROM app.chat_events")).isEqualTo(4);
        }
    }

    @Test
    void shouldLoseLateOrRaceTheHistoricWritesInAsyncRace(StackFixture stack) throws Exception {
        TestDatabase db = stack.createDatabase();
        Duration late = Duration.ofMinutes(6);
        SimulationSummary summary = new Simulator(settings(db), WorkloadSpec.builder().seed(2)
                .scenarios(Scenario.ASYNC_RACE).count(1_500).dropFraction(0.3).lateFraction(0.05).lateDelay(late)
                .build()).run();

        try (Connection c = db.connect()) {
            long eligible = SourceOracle.count(c, "SELECT count(*) FROM director.scorecards");
            double missing = SourceOracle.openGaps(c).size() / (double) eligible;
            // 30% dropped + 1% written under another profile
            assertThat(missing).isBetween(0.27, 0.35);

            // The race: submitted 2-40 ms after the create, before the async write, which then never happens.
            long raceLost = SourceOracle.count(c, "SELECT count(*) FROM director.scorecards s"
                    + " WHERE s.submitted_at < s.created_at + interval '50 ms' AND NOT " + HISTORIC_OF_OWN_TENANT);
            assertThat(raceLost).isPositive().isEqualTo(summary.count(Count.HISTORIC_RACE_LOST));
            long afterSubmit = SourceOracle.count(c, "SELECT count(DISTINCT s.resource_id) FROM director.scorecards s"
                    + " JOIN historic.scorecard_scores h ON h.customer_id = s.customer AND h.profile_id = s.profile"
                    + " AND h.scorecard_id = s.resource_id WHERE h.created_at > s.submitted_at");
            assertThat(afterSubmit).isPositive().isEqualTo(summary.count(Count.HISTORIC_AFTER_SUBMIT)
                    + lateWritesAfterAnOrdinarySubmit(c, late));
            long lateWrites = SourceOracle.count(c, "SELECT count(DISTINCT s.resource_id) FROM director.scorecards s"
                    + " JOIN historic.scorecard_scores h ON h.customer_id = s.customer AND h.profile_id = s.profile"
                    + " AND h.scorecard_id = s.resource_id WHERE h.created_at >= s.created_at + ?::interval",
                    late.toSeconds() + " seconds");
            assertThat(lateWrites).isPositive()
                    .isEqualTo(summary.count(Count.HISTORIC_LATE) + summary.count(Count.HISTORIC_AFTER_SUBMIT));
            // Rows with the scorecard's id under another profile do not make it present.
            long wrongTenant = SourceOracle.count(c, "SELECT count(*) FROM director.scorecards s WHERE NOT "
                    + HISTORIC_OF_OWN_TENANT + " AND EXISTS (SELECT 1 FROM historic.scorecard_scores h"
                    + " WHERE h.customer_id = s.customer AND h.profile_id <> s.profile AND h.scorecard_id = s.resource_id)");
            assertThat(wrongTenant).isPositive().isEqualTo(summary.count(Count.HISTORIC_WRONG_TENANT));
            // Submitted scorecards are missing too (submitting skips the historic write).
            assertThat(SourceOracle.openGaps(c).stream().filter(SourceOracle.GapRow::submitted).count())
                    .isGreaterThan(raceLost);
        }
    }

    @Test
    void shouldCreateTensOfThousandsOfUnsubmittedScorecardsInOneHourAndLoseAlmostAllInBatchHour(StackFixture stack)
            throws Exception {
        TestDatabase db = stack.createDatabase();
        SimulationSummary summary = new Simulator(settings(db), WorkloadSpec.builder().seed(3)
                .scenarios(Scenario.BATCH_HOUR).count(0).batchSize(20_000).batchLoss(0.99).build()).run();

        try (Connection c = db.connect()) {
            assertThat(summary.stories()).isEqualTo(20_000);
            assertThat(SourceOracle.count(c, "SELECT count(DISTINCT (customer, profile, date_trunc('hour', created_at)))"
                    + " FROM director.scorecards")).isEqualTo(1);
            assertThat(SourceOracle.count(c, "SELECT count(*) FROM director.scorecards WHERE submitted_at IS NULL"))
                    .isEqualTo(20_000);
            long missing = SourceOracle.openGaps(c).size();
            assertThat(missing / 20_000.0).isBetween(0.98, 0.995);
            assertThat(missing).isEqualTo(summary.count(Count.HISTORIC_BATCH_LOST));
            // The batch scores earlier conversations, which are not among the captured chats.
            assertThat(SourceOracle.count(c, "SELECT count(*) FROM app.chats")).isZero();
            assertThat(SourceOracle.hourBuckets(c)).singleElement()
                    .satisfies(b -> assertThat(b.unsubmittedMissing()).isEqualTo(missing));
        }
    }

    @Test
    void shouldWriteEveryBranchOfTheEligibilityRuleInAppealsCalibration(StackFixture stack) throws Exception {
        TestDatabase db = stack.createDatabase();
        SimulationSummary summary = new Simulator(settings(db), WorkloadSpec.builder().seed(4)
                .scenarios(Scenario.APPEALS_CALIBRATION).count(300).build()).run();

        try (Connection c = db.connect()) {
            for (int type = 1; type <= 3; type++) {
                assertThat(SourceOracle.count(c, "SELECT count(*) FROM director.scorecards WHERE scorecard_type = ?",
                        type)).as("appeal type %d", type).isPositive();
            }
            // Ineligible scorecards without historic rows exist, and the rule does not count them.
            assertThat(SourceOracle.count(c, "SELECT count(*) FROM director.scorecards s WHERE scorecard_type >= 1"
                    + " AND NOT " + HISTORIC_OF_OWN_TENANT)).isPositive();
            assertThat(SourceOracle.count(c, "SELECT count(*) FROM director.scorecards s JOIN director.scorecards o"
                    + " ON o.customer = s.customer AND o.profile = s.profile AND o.resource_id = s.calibrated_scorecard_id"
                    + " WHERE o.calibrated_scorecard_id IS NULL AND o.scorecard_type IS NULL AND NOT "
                    + HISTORIC_OF_OWN_TENANT)).isPositive().isEqualTo(summary.count(Count.SCORECARDS_CALIBRATION));
            assertThat(SourceOracle.count(c, "SELECT count(*) FROM director.scorecards s"
                    + " WHERE deleted_at IS NOT NULL AND NOT " + HISTORIC_OF_OWN_TENANT)).isPositive();
            // Process scorecards: both spellings of "no conversation", and missing ones are gaps of their own class.
            assertThat(SourceOracle.count(c, "SELECT count(*) FROM director.scorecards WHERE conversation_id IS NULL"))
                    .isPositive();
            assertThat(SourceOracle.count(c, "SELECT count(*) FROM director.scorecards WHERE conversation_id = ''"))
                    .isPositive();
            assertThat(SourceOracle.openGaps(c).stream().filter(SourceOracle.GapRow::process).count()).isPositive()
                    .isEqualTo(summary.expected().openGapsProcess());
            assertThat(summary.count(Count.SCORECARDS_HARD_DELETED)).isPositive();
            assertThat(SourceOracle.openGaps(c)).hasSize((int) summary.expected().openGaps());
        }
    }

    @Test
    void shouldChangeConversationsAfterTheFactInReassign(StackFixture stack) throws Exception {
        TestDatabase db = stack.createDatabase();
        String slot = "sim_reassign_" + ProcessHandle.current().pid();
        try (Connection c = db.connect()) {
            DecodedTransactions.createSlot(c, slot);
            try {
                SimulationSummary summary = new Simulator(settings(db), WorkloadSpec.builder().seed(5)
                        .scenarios(Scenario.REASSIGN).count(400).build()).run();
                List<List<DecodedTransactions.Change>> txs = DecodedTransactions.readAll(c, slot,
                        summary.count(Count.TRANSACTIONS));
                Map<Count, Long> seen = replayChats(txs);
                for (Count kind : List.of(Count.CHATS_REASSIGNED_BEFORE_END, Count.CHATS_REASSIGNED_AFTER_END,
                        Count.CHATS_RECLASSIFIED_BEFORE_END, Count.CHATS_RECLASSIFIED_AFTER_END, Count.CHATS_REOPENED,
                        Count.CHATS_TOUCHED, Count.EVENTS_AFTER_END)) {
                    assertThat(seen.getOrDefault(kind, 0L)).as(kind.label()).isPositive()
                            .isEqualTo(summary.count(kind));
                }
                // Ended twice: the reopened ones.
                assertThat(seen.get(Count.CHATS_ENDED)).isEqualTo(400 + summary.count(Count.CHATS_REOPENED));
                // Handoff and bot-resolved on the same conversation; handoff wins in the label.
                long both = SourceOracle.count(c, "SELECT count(*) FROM (SELECT 1 FROM app.chat_events"
                        + " GROUP BY customer_id, profile_id, conversation_id"
                        + " HAVING bool_or(event_type = 'BOT_HANDOFF') AND bool_or(event_type = 'BOT_RESOLVED')) x");
                assertThat(both).isPositive();
                assertThat(SourceOracle.labels(c).stream().filter(l -> l.botOutcome().equals("HANDOFF")).count())
                        .isEqualTo(both);
            } finally {
                DecodedTransactions.dropSlot(c, slot);
            }
        }
    }

    /** Late writes with an ordinary submission (20 s) before them: also "after submit" in the rows. */
    private static long lateWritesAfterAnOrdinarySubmit(Connection c, Duration late) throws Exception {
        return SourceOracle.count(c, "SELECT count(DISTINCT s.resource_id) FROM director.scorecards s"
                + " JOIN historic.scorecard_scores h ON h.customer_id = s.customer AND h.profile_id = s.profile"
                + " AND h.scorecard_id = s.resource_id WHERE h.created_at > s.submitted_at"
                + " AND s.submitted_at >= s.created_at + interval '50 ms' AND h.created_at >= s.created_at + ?::interval",
                late.toSeconds() + " seconds");
    }

    /** Replays the decoded history of app.chats and app.chat_events and classifies every change. */
    private static Map<Count, Long> replayChats(List<List<DecodedTransactions.Change>> txs) {
        Map<Count, Long> seen = new HashMap<>();
        Map<String, String> endedAt = new HashMap<>();
        for (List<DecodedTransactions.Change> tx : txs) {
            for (DecodedTransactions.Change ch : tx) {
                String key = ch.value("customer_id") + "/" + ch.value("profile_id") + "/" + ch.value("conversation_id");
                if (ch.table().equals("app.chat_events")) {
                    if (endedAt.get(key) != null) {
                        seen.merge(Count.EVENTS_AFTER_END, 1L, Long::sum);
                    }
                } else if (ch.table().equals("app.chats") && ch.op().equals("INSERT")) {
                    endedAt.put(key, ch.after().get("ended_at"));
                } else if (ch.table().equals("app.chats") && ch.op().equals("UPDATE")) {
                    Map<String, String> b = ch.before();
                    Map<String, String> a = ch.after();
                    boolean wasEnded = b.get("ended_at") != null;
                    if (!Objects.equals(b.get("agent_user_id"), a.get("agent_user_id"))) {
                        seen.merge(wasEnded ? Count.CHATS_REASSIGNED_AFTER_END : Count.CHATS_REASSIGNED_BEFORE_END, 1L,
                                Long::sum);
                    }
                    if (!Objects.equals(b.get("usecase_id"), a.get("usecase_id"))) {
                        seen.merge(wasEnded ? Count.CHATS_RECLASSIFIED_AFTER_END : Count.CHATS_RECLASSIFIED_BEFORE_END,
                                1L, Long::sum);
                    }
                    if (wasEnded && a.get("ended_at") == null) {
                        seen.merge(Count.CHATS_REOPENED, 1L, Long::sum);
                    }
                    if (!wasEnded && a.get("ended_at") != null) {
                        seen.merge(Count.CHATS_ENDED, 1L, Long::sum);
                    }
                    Map<String, String> bOther = new HashMap<>(b);
                    Map<String, String> aOther = new HashMap<>(a);
                    bOther.remove("updated_at");
                    aOther.remove("updated_at");
                    if (bOther.equals(aOther)) {
                        seen.merge(Count.CHATS_TOUCHED, 1L, Long::sum);
                    }
                    endedAt.put(key, a.get("ended_at"));
                }
            }
        }
        return seen;
    }
}
