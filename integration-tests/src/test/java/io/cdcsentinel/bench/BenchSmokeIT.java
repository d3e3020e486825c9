package io.cdcsentinel.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcsentinel.testing.StackExtension;
import io.cdcsentinel.testing.StackFixture;
import io.cdcsentinel.testing.TestStack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark at a tiny scale: every figure is produced and non-zero, the report and chart are written.
 * Values are never checked: timings are measured and printed, not asserted.
 */
@ExtendWith(StackExtension.class)
class BenchSmokeIT {

    @Test
    void shouldProduceEveryFigureAndWriteTheReport(StackFixture stack, @TempDir Path results) throws Exception {
        Path workDir = TestStack.targetDir().resolve("it-bench-" + System.nanoTime());
        Bench bench = new Bench(new Bench.Options(0.002, 1, 1, workDir,
                stack.endpoints(), true, "bench smoke test", Map.of()), line -> { });

        BenchReport report = bench.run();
        report.write(results);

        assertThat(report.figures()).extracting(Figure::name).contains(
                "simulate: workload written to PostgreSQL",
                "CDC runner: Debezium -> Kafka, acks=all",
                "stateful floor: repartition + groupByKey().count(), exactly_once_v2",
                "topologies of run against the stateful floor",
                "replay: the topologies over retained CDC topics",
                "state stores (RocksDB, same load)",
                "ClickHouse sink: Kafka -> ClickHouse",
                "end-to-end latency p50: ended_at commit -> row in ClickHouse",
                "end-to-end latency p99",
                "end-to-end latency max",
                "backfill rate: CDC topics -> ClickHouse rows",
                "backfill from a re-snapshot: rows re-read -> ClickHouse rows, both phases");
        assertThat(report.latencies()).allSatisfy(l -> assertThat(l.count()).as(l.name()).isPositive());
        assertThat(report.figures()).allSatisfy(f -> {
            assertThat(f.value()).as(f.name()).isPositive().isFinite();
            if (f.hasBaseline()) {
                assertThat(f.baselineValue()).as(f.name() + " baseline").isPositive().isFinite();
            }
        });
        assertThat(Files.readString(results.resolve(BenchReport.MARKDOWN))).contains("| figure | measured |");
        // every replay (topologies, identity, floor; warm-up and counted rounds) deletes its tasks' state
        // (state/<replay>/<application id>/<task>) when it ends; only the live phase's is left
        Path state = workDir.resolve("state");
        try (Stream<Path> left = Files.walk(state, 3)) {
            assertThat(left.filter(Files::isDirectory).filter(p -> p.getNameCount() == state.getNameCount() + 3)
                    .map(p -> state.relativize(p).toString())).allMatch(dir -> dir.contains("-live"));
        }
        assertThat(Files.size(results.resolve(BenchReport.CHART))).isPositive();
    }
}
