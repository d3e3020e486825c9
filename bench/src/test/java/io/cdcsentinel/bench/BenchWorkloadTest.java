package io.cdcsentinel.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.GapSettings;
import io.cdcsentinel.config.LabelSettings;
import io.cdcsentinel.sim.WorkloadSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchWorkloadTest {
    private static final Instant END = Instant.parse("2026-11-24T12:00:00Z");

    /**
     * The replay only measures the topologies' real work if the rows' own times are those of a live system: before
     * their commit, and recent enough that the topologies do not ignore them as older than their retention (a
     * timeline fixed in January 2025 made the gap topology ignore every scorecard and the label topology every
     * update).
     */
    @Test
    void shouldPlaceTheWholeTimelineBeforeItsEndAndWithinTheTopologiesRetention() {
        ConfigSource defaults = ConfigSource.of(Map.of());
        Duration retention = min(GapSettings.SETTLED_RETENTION.read(defaults), LabelSettings.STATE_RETENTION.read(defaults));
        for (double scale : new double[] {0.01, 1, 10}) {
            WorkloadSpec spec = Bench.workload(scale, 1, END);
            Instant lastStoryStart = spec.start().plus(spec.interval().multipliedBy(spec.count()));
            Duration longestStory = spec.conversationLength().plus(spec.reassignDelay()).plus(spec.lateDelay())
                    .plus(spec.reviewDelay()).plus(spec.submitDelay());

            assertThat(lastStoryStart.plus(longestStory)).as("scale %s", scale).isBeforeOrEqualTo(END);
            assertThat(spec.start().plus(spec.batchAt()).plus(spec.batchWindow())).as("scale %s", scale)
                    .isBeforeOrEqualTo(END);
            assertThat(spec.start()).as("scale %s", scale).isAfter(END.minus(retention));
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
