package io.cdcsentinel.topology.gaps;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcsentinel.metrics.Meters;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The historic-gap topology's figures for /metrics: open gaps per customer and profile, and gap events. */
class GapMetersTest {
    static {
        // counters of the global registry count only once a registry is attached (Telemetry adds Prometheus's)
        Metrics.globalRegistry.add(new SimpleMeterRegistry());
    }

    private static final Instant T0 = Instant.parse("2026-12-07T09:00:00Z");
    private static final List<String> TENANT = List.of(Cdc.CUSTOMER, Cdc.PROFILE);

    private final GapDriver driver = new GapDriver(T0);
    private boolean closed;

    @AfterEach
    void close() {
        if (!closed) {
            driver.close();
        }
    }

    private static Instant at(int minutes) {
        return T0.plus(Duration.ofMinutes(minutes));
    }

    @Test
    void shouldCountAnOpenGapUntilItResolvesAndWithdrawTheTasksShareWhenItCloses() {
        long open = Meters.GAPS_OPEN.value(TENANT);
        double opened = Meters.GAP_EVENTS.count(Cdc.CUSTOMER, Cdc.PROFILE, "OPENED");
        double resolved = Meters.GAP_EVENTS.count(Cdc.CUSTOMER, Cdc.PROFILE, "RESOLVED");

        driver.scorecard(Cdc.scorecard("sc-1").insert(T0)).scorecard(Cdc.scorecard("sc-2").insert(T0)).advanceTo(at(6));
        assertThat(driver.gapEvents()).hasSize(2);
        assertThat(Meters.GAPS_OPEN.value(TENANT)).isEqualTo(open + 2);
        assertThat(Meters.GAP_EVENTS.count(Cdc.CUSTOMER, Cdc.PROFILE, "OPENED")).isEqualTo(opened + 2);

        driver.historic(Cdc.historic("sc-1", "crit-1", at(30))).advanceTo(at(90));
        assertThat(Meters.GAPS_OPEN.value(TENANT)).isEqualTo(open + 1);
        assertThat(Meters.GAP_EVENTS.count(Cdc.CUSTOMER, Cdc.PROFILE, "RESOLVED")).isEqualTo(resolved + 1);

        driver.close();
        closed = true;
        assertThat(Meters.GAPS_OPEN.value(TENANT)).as("the task closed: its gaps are no longer this process's").isEqualTo(open);
    }
}
