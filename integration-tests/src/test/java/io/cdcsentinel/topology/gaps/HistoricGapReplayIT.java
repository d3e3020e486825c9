package io.cdcsentinel.topology.gaps;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcsentinel.config.StreamsSettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.testing.StackExtension;
import io.cdcsentinel.testing.StackFixture;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Invariant 2, second half: same input, same alerts. A live run raises its alerts; then the topology runs again
 * from the beginning of the same CDC topics under a new application id, with empty state and its own output
 * topics, and must end with the same open alerts, each with the same stage and detection time, and the same
 * roll-up counts.
 *
 * <p>Not compared: the RESOLVED and WITHDRAWN history. A scorecard row and a late historic row of the same
 * scorecard live in different source partitions; on a replay the upstream tasks reading them progress
 * differently than live, so the late row can reach the scorecard state first, and the scorecard is then
 * present from its first sight (no OPENED/RESOLVED pair) where the live run saw a gap and its backfill.
 */
@ExtendWith(StackExtension.class)
class HistoricGapReplayIT {

    @Test
    void shouldRaiseTheSameAlertsWhenTheTopicsAreReplayedUnderANewApplicationId(StackFixture stack, @TempDir Path replayState)
            throws Exception {
        ApiWorkload workload = ApiWorkload.plan(1_500, 0.30, 7L);
        try (GapPipeline live = new GapPipeline(stack.config(HistoricGapIT.fastClocks())); Connection sql = live.connect()) {
            live.createOutputTopics().startCdc().startTopology();
            workload.writeChats(sql);
            workload.writeCreations(sql);
            ApiWorkload.awaitGraceExpiry(sql, HistoricGapIT.GRACE);
            workload.writeLateChanges(sql);
            ApiWorkload.writeClockTick(sql, "tick-1");
            Set<String> oracle = ApiWorkload.missingFromHistoric(sql, HistoricGapIT.GRACE);
            Awaitility.await("live alerts = the SQL rule").atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(3))
                    .untilAsserted(() -> assertThat(live.openAlerts()).isEqualTo(oracle));
            Map<String, String> liveAlerts = live.openAlertFacts();
            HistoricGapIT.assertRollUpsMatchPostgres(live, sql);
            Map<String, String> liveRollUps = live.rollUpCounts();

            String replayId = stack.uniqueName("replay");
            try (GapPipeline replay = new GapPipeline(live.config.with(Map.of(
                    StreamsSettings.APPLICATION_ID.name(), replayId,
                    StreamsSettings.STATE_DIR.name(), replayState.toString(),
                    TopicNames.GAPS.name(), replayId + "-gaps",
                    TopicNames.GAP_RATES.name(), replayId + "-gap-rates",
                    TopicNames.DLQ.name(), replayId + "-dlq"))).createOutputTopics()) {
                replay.startTopology();

                Awaitility.await("replayed alerts = live alerts").atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(3))
                        .untilAsserted(() -> assertThat(replay.openAlertFacts()).isEqualTo(liveAlerts));
                assertThat(liveAlerts.keySet()).isEqualTo(oracle);
                Awaitility.await("replayed roll-ups = live roll-ups").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(2))
                        .untilAsserted(() -> assertThat(replay.rollUpCounts()).isEqualTo(liveRollUps));
            }
        }
    }
}
