package io.cdcsentinel.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The plan alone (no database): determinism, the mix, timing, and the scenarios' shapes. */
class WorkloadTest {

    private static List<Story> plan(WorkloadSpec spec) {
        Workload w = new Workload(spec);
        List<Story> stories = new ArrayList<>();
        while (w.peekStart() != null) {
            stories.add(w.next());
        }
        return stories;
    }

    private static List<Tx> transactions(List<Story> stories) {
        List<Tx> txs = new ArrayList<>();
        for (Story s : stories) {
            txs.addAll(s.transactions(txs.size(), 0));
        }
        return txs;
    }

    private static Map<Scenario, Integer> everything() {
        Map<Scenario, Integer> mix = new LinkedHashMap<>(WorkloadSpec.Builder.defaultMix());
        mix.put(Scenario.BATCH_HOUR, 1);
        return mix;
    }

    @Test
    void shouldPlanTheSameTransactionsForTheSameSeed() {
        WorkloadSpec spec = WorkloadSpec.builder().seed(42).mix(everything()).count(300).batchSize(200).build();
        assertThat(transactions(plan(spec))).isEqualTo(transactions(plan(spec))).hasSizeGreaterThan(2_000);
    }

    @Test
    void shouldPlanDifferentRowsForAnotherSeed() {
        List<Tx> a = transactions(plan(WorkloadSpec.builder().seed(1).count(100).build()));
        List<Tx> b = transactions(plan(WorkloadSpec.builder().seed(2).count(100).build()));
        assertThat(a.get(0).writes()).isNotEqualTo(b.get(0).writes());
    }

    @Test
    void shouldKeepEveryStoryWhenOnlyTheCountOrThePacingChanges() {
        List<Tx> small = transactions(plan(WorkloadSpec.builder().seed(7).count(50).build()));
        List<Tx> large = transactions(plan(WorkloadSpec.builder().seed(7).count(80).connections(4).pipeline(32).build()));
        assertThat(large.stream().map(Tx::writes).toList()).containsAll(small.stream().map(Tx::writes).toList());
    }

    @Test
    void shouldSplitStoriesExactlyByWeight() {
        Map<Scenario, Integer> mix = new LinkedHashMap<>();
        mix.put(Scenario.STEADY, 3);
        mix.put(Scenario.REASSIGN, 1);
        Map<Scenario, Long> counts = plan(WorkloadSpec.builder().mix(mix).count(400).build()).stream()
                .collect(Collectors.groupingBy(Story::scenario, () -> new EnumMap<>(Scenario.class),
                        Collectors.counting()));
        assertThat(counts).containsEntry(Scenario.STEADY, 300L).containsEntry(Scenario.REASSIGN, 100L);
    }

    @Test
    void shouldStartStoryIAtStartPlusITimesTheIntervalOrOneOverTheRate() {
        Instant start = Instant.parse("2025-03-01T10:00:00Z");
        List<Story> unpaced = plan(WorkloadSpec.builder().start(start).interval(Duration.ofSeconds(2)).count(3).build());
        assertThat(unpaced).extracting(Story::start).containsExactly(start, start.plusSeconds(2), start.plusSeconds(4));
        List<Story> paced = plan(WorkloadSpec.builder().start(start).rate(4).count(3).build());
        assertThat(paced).extracting(Story::start)
                .containsExactly(start, start.plusMillis(250), start.plusMillis(500));
    }

    @Test
    void shouldPlanEveryTimestampFromTheStartNeverFromTheClock() {
        Instant start = Instant.parse("2001-01-01T00:00:00Z");
        for (Tx tx : transactions(plan(WorkloadSpec.builder().start(start).mix(everything()).count(100).batchSize(50)
                .build()))) {
            assertThat(tx.at()).isBetween(start, start.plus(Duration.ofHours(2)));
        }
    }

    @Test
    void shouldSpreadABatchEvenlyOverItsWindowForOneTenant() {
        Instant start = Instant.parse("2025-01-21T14:00:00Z");
        List<Story> batch = plan(WorkloadSpec.builder().start(start).scenarios(Scenario.BATCH_HOUR).count(0)
                .batchSize(1_000).batchWindow(Duration.ofHours(1)).batches(2).batchEvery(Duration.ofDays(1)).build());
        assertThat(batch).hasSize(2_000);
        List<Story> first = batch.subList(0, 1_000);
        assertThat(first).extracting(Story::tenant).containsOnly(first.get(0).tenant());
        assertThat(first.get(0).start()).isEqualTo(start);
        assertThat(first.get(999).start()).isEqualTo(start.plus(Duration.ofMillis(3_596_400)));
        assertThat(batch.get(1_000).start()).isEqualTo(start.plus(Duration.ofDays(1)));
        long lost = first.stream().filter(s -> s.scorecards().get(0).openGap()).count();
        assertThat(lost).isBetween(975L, 1_000L);
    }

    @Test
    void shouldInterleaveABatchWithTheOtherStoriesByTime() {
        Map<Scenario, Integer> mix = new LinkedHashMap<>();
        mix.put(Scenario.STEADY, 1);
        mix.put(Scenario.BATCH_HOUR, 1);
        List<Story> stories = plan(WorkloadSpec.builder().mix(mix).count(100).interval(Duration.ofSeconds(10))
                .batchSize(100).batchWindow(Duration.ofMinutes(20)).build());
        assertThat(stories).extracting(Story::start).isSorted();
        assertThat(stories.subList(0, 20)).extracting(Story::scenario).contains(Scenario.STEADY, Scenario.BATCH_HOUR);
    }

    @Test
    void shouldPlanTheSubmitBeforeTheLostCreateTimeWriteInTheRace() {
        List<Story> stories = plan(WorkloadSpec.builder().seed(3).scenarios(Scenario.ASYNC_RACE).count(300)
                .dropFraction(1.0).raceShare(1.0).lateFraction(0).build());
        List<Story.Scorecard> scorecards = stories.stream().flatMap(s -> s.scorecards().stream()).toList();
        assertThat(scorecards).isNotEmpty().allSatisfy(s -> {
            assertThat(s.outcome).isEqualTo(Count.HISTORIC_RACE_LOST);
            assertThat(s.submittedAt).isBetween(s.createdAt.plusMillis(2), s.createdAt.plusMillis(40));
            assertThat(s.openGap()).isTrue();
        });
    }

    @Test
    void shouldCoverEveryVariantOfReassign() {
        List<Tx> txs = transactions(plan(WorkloadSpec.builder().scenarios(Scenario.REASSIGN).count(200).build()));
        Set<Count> kinds = txs.stream().flatMap(tx -> tx.counts().keySet().stream()).collect(Collectors.toSet());
        assertThat(kinds).contains(Count.CHATS_REASSIGNED_BEFORE_END, Count.CHATS_REASSIGNED_AFTER_END,
                Count.CHATS_RECLASSIFIED_BEFORE_END, Count.CHATS_RECLASSIFIED_AFTER_END, Count.CHATS_REOPENED,
                Count.CHATS_TOUCHED, Count.EVENTS_AFTER_END, Count.EVENTS_BOT_HANDOFF, Count.EVENTS_BOT_RESOLVED);
    }

    @Test
    void shouldRejectAnInconsistentSpecSayingWhatIsExpected() {
        assertThatThrownBy(() -> WorkloadSpec.builder().rate(10).rowRate(10).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("either a story rate or a row rate");
        assertThatThrownBy(() -> WorkloadSpec.builder().dropFraction(0.9).lateFraction(0.2).build())
                .hasMessageContaining("drop fraction + late fraction <= 1");
        assertThatThrownBy(() -> WorkloadSpec.builder().count(-1).build()).hasMessageContaining("a count or a duration");
        assertThatThrownBy(() -> Scenario.parse("batch")).hasMessageContaining("batch-hour");
    }
}
