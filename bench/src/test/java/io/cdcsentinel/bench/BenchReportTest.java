package io.cdcsentinel.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchReportTest {

    @Test
    void shouldPrintOneTableLinePerFigureWithRatioAndGoal() {
        BenchReport report = new BenchReport("bin/sentinel bench --scale 1", Instant.parse("2025-01-21T10:00:00Z"),
                Duration.ofSeconds(185), List.of(
                        Figure.ratio("CDC runner: Debezium -> Kafka", 30_000, "records/s", "bare engine", 40_000, 0.8,
                                "how"),
                        Figure.compared("stateful floor", 50_000, "records/s", "identity", 200_000, null),
                        Figure.absolute("heap in use", 123.4, "MB", null, null, null)),
                List.of(), List.of());

        String md = report.markdown();

        assertThat(md).contains("`bin/sentinel bench --scale 1`").contains("took 3 min 05 s")
                .contains("| CDC runner: Debezium -> Kafka | 30,000 records/s | bare engine: 40,000 records/s | 0.75"
                        + " | ratio >= 0.80 | **no** |")
                .contains("| stateful floor | 50,000 records/s | identity: 200,000 records/s | 0.25 |  |  |")
                .contains("| heap in use | 123 MB |  |  |  |  |")
                .contains("- **CDC runner: Debezium -> Kafka**: how");
    }

    @Test
    void shouldDrawThroughputsAndLatencyCurves() {
        LatencyRecorder latency = new LatencyRecorder("end to end");
        for (int i = 1; i <= 1_000; i++) {
            latency.record(Duration.ofMillis(i));
        }
        BenchReport report = new BenchReport("x", Instant.now(), Duration.ofSeconds(1),
                List.of(Figure.ratio("a: b", 2, "records/s", "c", 4, 0.5, null)), List.of(latency), List.of());

        BufferedImage chart = report.chart();

        assertThat(chart.getHeight()).isEqualTo(2 * 420);
    }

    @Test
    void shouldReportPercentilesOfRecordedLatencies() {
        LatencyRecorder latency = new LatencyRecorder("l");
        for (int i = 1; i <= 100; i++) {
            latency.record(Duration.ofMillis(i * 10L));
        }
        assertThat(latency.count()).isEqualTo(100);
        assertThat(latency.percentile(50).toMillis()).isBetween(499L, 501L);
        assertThat(latency.percentile(99).toMillis()).isBetween(989L, 991L);
        assertThat(latency.max().toMillis()).isBetween(999L, 1_001L);
    }

    @Test
    void shouldCompareTheBestRoundOfEachSide() {
        assertThat(Stats.best(List.of(Duration.ofSeconds(9), Duration.ofSeconds(3), Duration.ofSeconds(4))))
                .isEqualTo(Duration.ofSeconds(3));
    }
}
