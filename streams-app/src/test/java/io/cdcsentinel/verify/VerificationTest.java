package io.cdcsentinel.verify;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcsentinel.config.ConfigSource;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VerificationTest {
    private static final long CAPTURED = 1_000_000_000L;
    private static final ConfigSource CONFIG = ConfigSource.of(Map.of("kafka.bootstrap", "localhost:9092",
            "registry.url", "http://localhost:8080", "clickhouse.url", "http://localhost:8123", "gaps.grace", "3s",
            "labels.settle.window", "1s"));

    @Test
    void shouldDecideWhatChangedBeforeADrainedPositionAndLeaveWhatChangedAfterItInFlight() {
        // a finished backfill: everything committed up to CAPTURED processed, and every timer of it fired
        Cutoffs cutoffs = Verification.cutoffs(CONFIG, Verification.drainedAt(CONFIG, CAPTURED, "backfill"));
        long margin = Verifier.CLOCK_MARGIN.toMillis();

        SourceScorecard before = scorecard(CAPTURED - margin - 1);
        assertThat(cutoffs.gapDue(before)).as("its grace ran out before the backfill's timers stopped").isTrue();
        assertThat(cutoffs.gapInFlight(before)).isFalse();
        assertThat(cutoffs.gapInFlight(scorecard(CAPTURED + 1))).as("committed after the end offsets").isTrue();

        assertThat(cutoffs.labelInFlight(new ExpectedLabel(null, CAPTURED - margin - 1))).isFalse();
        assertThat(cutoffs.labelInFlight(new ExpectedLabel(null, CAPTURED + 1))).isTrue();
    }

    private static SourceScorecard scorecard(long changedMs) {
        return new SourceScorecard("c", "p", "sc", true, false, false, false, changedMs / 1000, changedMs, changedMs);
    }
}
