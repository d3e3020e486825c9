package io.cdcsentinel.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.PostgresSettings;
import io.cdcsentinel.testing.StackExtension;
import io.cdcsentinel.testing.StackFixture;
import io.cdcsentinel.testing.TestDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code simulate} against a real PostgreSQL: rows = printed summary = truth file = domain.md's rule in SQL. */
@ExtendWith(StackExtension.class)
class SimulatorIT {

    static WorkloadSpec.Builder allScenarios(long seed) {
        Map<Scenario, Integer> mix = new LinkedHashMap<>();
        mix.put(Scenario.STEADY, 4);
        mix.put(Scenario.ASYNC_RACE, 3);
        mix.put(Scenario.APPEALS_CALIBRATION, 2);
        mix.put(Scenario.REASSIGN, 2);
        mix.put(Scenario.BATCH_HOUR, 1);
        return WorkloadSpec.builder().seed(seed).mix(mix).count(1_200).batchSize(3_000);
    }

    static PostgresSettings settings(TestDatabase db) {
        Map<String, String> values = new HashMap<>();
        values.put(PostgresSettings.URL.name(), db.jdbcUrl());
        values.put(PostgresSettings.USER.name(), db.user());
        if (db.password() != null && !db.password().isEmpty()) {
            values.put(PostgresSettings.PASSWORD.name(), db.password());
        }
        return PostgresSettings.from(ConfigSource.of(values));
    }

    @Test
    void shouldWriteRowsThatMatchThePrintedSummaryAndTheTruthFile(StackFixture stack, @TempDir Path dir) throws Exception {
        TestDatabase db = stack.createDatabase();
        Path truthFile = dir.resolve("truth.jsonl");
        Map<Milestone.Kind, AtomicLong> milestones = new EnumMap<>(Milestone.Kind.class);
        for (Milestone.Kind kind : Milestone.Kind.values()) {
            milestones.put(kind, new AtomicLong());
        }
        SimulationSummary summary = new Simulator(settings(db), allScenarios(11).build()).truthFile(truthFile)
                .milestones((m, at) -> milestones.get(m.kind()).incrementAndGet()).run();
        Truth truth = Truth.read(truthFile);

        assertThat(summary.stories()).isEqualTo(1_200 + 3_000);
        assertThat(truth.seed()).isEqualTo(11);
        assertThat(truth.expected()).isEqualTo(summary.expected());
        summary.counts().forEach((count, n) -> assertThat(truth.counts()).containsEntry(count.key(), n));
        assertThat(milestones.get(Milestone.Kind.CONVERSATION_ENDED)).hasValue(summary.count(Count.CHATS_ENDED));
        assertThat(milestones.get(Milestone.Kind.GAP_SCORECARD_CREATED)).hasValue(summary.expected().openGaps());
        assertThat(milestones.get(Milestone.Kind.GAP_SCORECARD_SUBMITTED))
                .hasValue(summary.expected().openGapsSubmitted());

        try (Connection c = db.connect()) {
            long created = summary.count(Count.SCORECARDS_CONVERSATION) + summary.count(Count.SCORECARDS_BATCH)
                    + summary.count(Count.SCORECARDS_PROCESS) + summary.count(Count.SCORECARDS_APPEAL_REPLICA)
                    + summary.count(Count.SCORECARDS_APPEAL_REQUEST) + summary.count(Count.SCORECARDS_APPEAL_RESOLVE)
                    + summary.count(Count.SCORECARDS_CALIBRATION) + summary.count(Count.SCORECARDS_OTHER_TYPE);
            assertThat(SourceOracle.count(c, "SELECT count(*) FROM director.scorecards"))
                    .isEqualTo(created - summary.count(Count.SCORECARDS_HARD_DELETED));
            assertThat(SourceOracle.count(c, "SELECT count(*) FROM director.scorecards WHERE submitted_at IS NOT NULL"))
                    .isEqualTo(summary.count(Count.SCORECARDS_SUBMITTED));
            assertThat(SourceOracle.count(c, "SELECT count(*) FROM director.scorecards WHERE deleted_at IS NOT NULL"))
                    .isEqualTo(summary.count(Count.SCORECARDS_SOFT_DELETED));
            assertThat(SourceOracle.count(c, "SELECT count(*) FROM director.scorecards WHERE scorecard_type = 1"))
                    .isEqualTo(summary.count(Count.SCORECARDS_APPEAL_REPLICA));
            assertThat(SourceOracle.count(c, "SELECT count(*) FROM director.scorecards WHERE scorecard_type = 2"))
                    .isEqualTo(summary.count(Count.SCORECARDS_APPEAL_REQUEST));
            assertThat(SourceOracle.count(c, "SELECT count(*) FROM director.scorecards WHERE scorecard_type = 3"))
                    .isEqualTo(summary.count(Count.SCORECARDS_APPEAL_RESOLVE));
            assertThat(SourceOracle.count(c, "SELECT count(*) FROM director.scorecards WHERE scorecard_type >= 4"))
                    .isEqualTo(summary.count(Count.SCORECARDS_OTHER_TYPE));
            assertThat(SourceOracle.count(c,
                    "SELECT count(*) FROM director.scorecards WHERE calibrated_scorecard_id IS NOT NULL"))
                    .isEqualTo(summary.count(Count.SCORECARDS_CALIBRATION));
            assertThat(SourceOracle.count(c, "SELECT count(*) FROM director.scores"))
                    .isEqualTo(summary.count(Count.SCORES_INSERTED) - summary.count(Count.SCORES_DELETED));
            assertThat(SourceOracle.count(c, "SELECT count(*) FROM historic.scorecard_scores"))
                    .isEqualTo(summary.count(Count.HISTORIC_ROWS));
            assertThat(SourceOracle.count(c, "SELECT count(*) FROM app.chats"))
                    .isEqualTo(summary.count(Count.CHATS_CREATED));
            assertThat(SourceOracle.count(c, "SELECT count(*) FROM app.chats WHERE ended_at IS NULL"))
                    .isEqualTo(summary.expected().openConversations());
            for (Count events : List.of(Count.EVENTS_ASSIST_SHOWN, Count.EVENTS_ASSIST_USED, Count.EVENTS_BOT_HANDOFF,
                    Count.EVENTS_BOT_RESOLVED)) {
                assertThat(SourceOracle.count(c, "SELECT count(*) FROM app.chat_events WHERE event_type = ?",
                        events.label())).as(events.label()).isEqualTo(summary.count(events));
            }

            List<SourceOracle.GapRow> gaps = SourceOracle.openGaps(c);
            assertThat(gaps).hasSize((int) summary.expected().openGaps());
            assertThat(gaps.stream().filter(SourceOracle.GapRow::submitted).count())
                    .isEqualTo(summary.expected().openGapsSubmitted());
            assertThat(gaps.stream().filter(SourceOracle.GapRow::process).count())
                    .isEqualTo(summary.expected().openGapsProcess());
            assertThat(truth.gaps().stream().map(g -> new SourceOracle.GapRow(g.customer(), g.profile(), g.scorecardId(),
                    g.submitted(), g.processScorecard())).collect(Collectors.toSet()))
                    .isEqualTo(Set.copyOf(gaps));
            assertThat(SourceOracle.count(c, "SELECT count(*) FROM director.scorecards WHERE calibrated_scorecard_id IS NULL"
                    + " AND (scorecard_type IS NULL OR scorecard_type = 0) AND deleted_at IS NULL"))
                    .isEqualTo(summary.expected().eligible());

            assertThat(Set.copyOf(truth.labels())).isEqualTo(SourceOracle.labels(c));
            assertThat(truth.labels()).hasSize((int) summary.expected().labels());

            assertThat(truth.buckets().stream().filter(b -> b.bucketSize().equals("HOUR")).collect(Collectors.toSet()))
                    .isEqualTo(SourceOracle.hourBuckets(c));
        }
        assertThat(summary.lines()).anySatisfy(l -> assertThat(l).contains("open gaps (missing from historic)"));
    }

    @Test
    void shouldWriteTheSameRowsForTheSameSeedWhateverThePacingAndParallelism(StackFixture stack) throws Exception {
        TestDatabase first = stack.createDatabase();
        TestDatabase second = stack.createDatabase();
        TestDatabase otherSeed = stack.createDatabase();
        WorkloadSpec spec = allScenarios(5).count(600).batchSize(500).build();

        new Simulator(settings(first), spec).run();
        new Simulator(settings(second), allScenarios(5).count(600).batchSize(500).connections(3).pipeline(16)
                .rowRate(200_000).build()).run();
        new Simulator(settings(otherSeed), allScenarios(6).count(600).batchSize(500).build()).run();

        try (Connection a = first.connect(); Connection b = second.connect(); Connection o = otherSeed.connect()) {
            String dump = SourceOracle.dump(a);
            assertThat(SourceOracle.count(a, "SELECT count(*) FROM director.scorecards")).isGreaterThan(1_000);
            assertThat(SourceOracle.dump(b)).isEqualTo(dump);
            assertThat(SourceOracle.dump(o)).isNotEqualTo(dump);
        }
    }

    @Test
    void shouldCommitEveryApiCallAsItsOwnTransaction(StackFixture stack) throws Exception {
        TestDatabase db = stack.createDatabase();
        String slot = "sim_tx_" + ProcessHandle.current().pid();
        try (Connection c = db.connect()) {
            DecodedTransactions.createSlot(c, slot);
            try {
                SimulationSummary summary = new Simulator(settings(db), allScenarios(3).count(400).batchSize(300)
                        .pipeline(8).build()).run();
                List<List<DecodedTransactions.Change>> txs = DecodedTransactions.readAll(c, slot,
                        summary.count(Count.TRANSACTIONS));
                assertThat(txs).hasSize((int) summary.count(Count.TRANSACTIONS));
                for (List<DecodedTransactions.Change> tx : txs) {
                    Set<String> tables = tx.stream().map(DecodedTransactions.Change::table).collect(Collectors.toSet());
                    if (tables.contains("director.scorecards") && tx.get(0).op().equals("INSERT")) {
                        // create: the scorecard, then its scores, nothing else
                        String id = tx.get(0).value("resource_id");
                        assertThat(tx.subList(1, tx.size())).isNotEmpty().allSatisfy(ch -> {
                            assertThat(ch.table()).isEqualTo("director.scores");
                            assertThat(ch.value("scorecard_id")).isEqualTo(id);
                        });
                    } else if (tables.contains("historic.scorecard_scores")) {
                        // the async historic write: one scorecard's rows, alone
                        assertThat(tables).containsExactly("historic.scorecard_scores");
                        assertThat(tx.stream().map(ch -> ch.value("scorecard_id")).distinct()).hasSize(1);
                    } else if (tables.contains("director.scores")) {
                        // hard delete: the scores, then the scorecard
                        assertThat(tx).allSatisfy(ch -> assertThat(ch.op()).isEqualTo("DELETE"));
                        assertThat(tx.get(tx.size() - 1).table()).isEqualTo("director.scorecards");
                    } else {
                        // submit, soft delete, chat insert/update, one chat event
                        assertThat(tx).hasSize(1);
                    }
                }
            } finally {
                DecodedTransactions.dropSlot(c, slot);
            }
        }
    }

    @Test
    void shouldRefuseToWriteTheSameSeedTwiceIntoOneDatabase(StackFixture stack) throws Exception {
        TestDatabase db = stack.createDatabase();
        WorkloadSpec spec = WorkloadSpec.builder().seed(9).count(50).build();
        new Simulator(settings(db), spec).run();

        assertThatThrownBy(() -> new Simulator(settings(db), spec).run())
                .isInstanceOf(SimulationException.class)
                .hasMessageContaining("already written to this database")
                .hasMessageContaining("--seed");
    }

}
