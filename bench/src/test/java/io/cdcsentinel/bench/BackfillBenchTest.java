package io.cdcsentinel.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cdcsentinel.backfill.BackfillReport;
import io.cdcsentinel.backfill.BackfillWindow;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BackfillBenchTest {

    private static BackfillBench.Run run(long records, long replayMillis, Map<String, Long> scanned, Duration beforeReplay,
            Duration total) {
        BackfillReport report = new BackfillReport("bf-x", Instant.parse("2026-12-06T09:00:00Z"),
                Instant.parse("2026-12-07T10:00:00Z"), List.of(), scanned.isEmpty() ? "topics" : "snapshot", "app",
                Map.of(), Map.of(), Map.of(), records, replayMillis, records * 1000.0 / replayMillis, scanned, Map.of(),
                Map.of(), 0, 0, Map.of(), 30_000, 0, null, null);
        return new BackfillBench.Run(report, beforeReplay, Duration.ofMillis(replayMillis / 2), total);
    }

    @Test
    void shouldCoverTheCreatedAtRangeInWholeMinutesWithTheLastInstantInside() {
        BackfillWindow w = BackfillBench.window(Instant.parse("2026-12-06T08:41:59.999999Z"),
                Instant.parse("2026-12-07T09:40:00Z"));

        assertThat(w.from()).isEqualTo(Instant.parse("2026-12-06T08:41:00Z"));
        assertThat(w.to()).isEqualTo(Instant.parse("2026-12-07T09:41:00Z"));
        assertThat(w.contains(Instant.parse("2026-12-07T09:40:00Z"))).isTrue();
        assertThat(w.customers()).isEmpty();
    }

    @Test
    void shouldImplyFiveMinutesFor15MillionEventsAt50kPerSecond() {
        assertThat(BackfillBench.implied(15_000_000, 50_000)).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void shouldLabelTheMonthFigureExtrapolatedAndJudgeItAgainstFiveMinutes() {
        Figure slow = BackfillBench.monthFigure("15M", 40_000, 868_795, Duration.ofSeconds(45), 50_000);
        Figure fast = BackfillBench.monthFigure("15M", 60_000, 868_795, Duration.ZERO, 60_000);

        assertThat(slow.value()).isCloseTo(6.25, within(1e-9));
        assertThat(slow.unit()).isEqualTo("min");
        assertThat(slow.goal()).contains("extrapolated");
        assertThat(slow.goalMet()).isFalse();
        assertThat(slow.detail()).contains("not measured at that size").contains("868,795")
                .contains("counted once").contains("5.8 min"); // 45 s + 15M / 50k/s = 345 s
        assertThat(fast.goalMet()).isTrue();
    }

    @Test
    void shouldCompareTheTopicsBackfillWithTheTopologyReplayAndSplitTheSnapshotPhases() {
        BackfillBench.Run topics = run(800_000, 20_000, Map.of(), Duration.ofSeconds(1), Duration.ofSeconds(21));
        BackfillBench.Run snapshot = run(300_000, 10_000, Map.of("director.scorecards", 100_000L, "app.chats", 30_000L),
                Duration.ofSeconds(20), Duration.ofSeconds(30));

        List<Figure> figures = BackfillBench.figures(topics, snapshot, 50_000, "the replay");

        Figure rate = figures.get(0);
        assertThat(rate.value()).isCloseTo(40_000, within(1e-6));
        assertThat(rate.baselineValue()).isEqualTo(50_000);
        assertThat(rate.goal()).isEqualTo("ratio >= 0.80");
        assertThat(rate.goalMet()).isTrue();
        assertThat(rate.detail()).contains("800,000").contains("20.0 s").contains("the last ClickHouse row came at 10.0 s");
        assertThat(figures.get(1).goalMet()).isFalse(); // 40k < 50k
        assertThat(figures).extracting(Figure::value).containsSubsequence(10_000.0, 15_000.0, 30_000.0);
        assertThat(figures.get(2).detail()).contains("130,000 rows scanned");
        assertThat(figures.get(5).value()).isCloseTo(15_000_000 / 40_000.0 / 60, within(1e-6));
        assertThat(figures.get(6).value()).isCloseTo(15_000_000 / 10_000.0 / 60, within(1e-6));
        // topics: tail 10 s after the last row at 10 s; 800k / 10 s = 80k/s up to it: 10 s + 187.5 s
        assertThat(figures.get(5).detail()).contains("10.0 s").contains("80,000 records/s").contains("3.3 min");
        // snapshot: 20 s re-snapshot + 5 s to the last row = 12k/s; tail 5 s; 5 s + 1,250 s
        assertThat(figures.get(6).detail()).contains("12,000 records/s").contains("20.9 min");
        assertThat(figures).allSatisfy(f -> assertThat(f.detail()).isNotBlank());
    }
}
