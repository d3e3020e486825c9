package io.cdcsentinel.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

class ThreadReplacementPolicyTest {
    @Test
    void shouldReplaceAThreadAtMostMaxTimesPerWindowThenShutTheClientDown() {
        AtomicLong now = new AtomicLong(1_000_000);
        ThreadReplacementPolicy policy = new ThreadReplacementPolicy(2, Duration.ofMinutes(10), now::get);

        assertThat(policy.onThreadDeath()).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        now.addAndGet(60_000);
        assertThat(policy.onThreadDeath()).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        now.addAndGet(60_000);
        assertThat(policy.onThreadDeath()).isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
    }

    @Test
    void shouldForgetReplacementsOlderThanTheWindow() {
        AtomicLong now = new AtomicLong(1_000_000);
        ThreadReplacementPolicy policy = new ThreadReplacementPolicy(1, Duration.ofMinutes(10), now::get);

        assertThat(policy.onThreadDeath()).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        now.addAndGet(Duration.ofMinutes(11).toMillis());
        assertThat(policy.onThreadDeath()).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
    }

    @Test
    void shouldShutDownAtTheFirstDeathWhenNoReplacementIsAllowed() {
        ThreadReplacementPolicy policy = new ThreadReplacementPolicy(0, Duration.ofMinutes(10), () -> 0L);
        assertThat(policy.onThreadDeath()).isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
    }
}
