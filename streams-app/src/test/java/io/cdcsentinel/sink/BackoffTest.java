package io.cdcsentinel.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void shouldDoubleFromTheBaseUpToTheMaximum() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofMillis(1_000), () -> 0.5);
        assertThat(backoff.delay(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(backoff.delay(2)).isEqualTo(Duration.ofMillis(200));
        assertThat(backoff.delay(4)).isEqualTo(Duration.ofMillis(800));
        assertThat(backoff.delay(5)).isEqualTo(Duration.ofMillis(1_000));
        assertThat(backoff.delay(500)).isEqualTo(Duration.ofMillis(1_000));
    }

    @Test
    void shouldSpreadEachWaitByTwentyPercent() {
        assertThat(new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), () -> 0.0).delay(1)).isEqualTo(Duration.ofMillis(80));
        assertThat(new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), () -> 1.0).delay(1)).isEqualTo(Duration.ofMillis(120));
    }

    @Test
    void shouldNeverOverflowForLargeRetryCounts() {
        Backoff backoff = new Backoff(Duration.ofDays(1), Duration.ofDays(2), () -> 0.5);
        assertThat(backoff.delay(Integer.MAX_VALUE)).isEqualTo(Duration.ofDays(2));
    }
}
