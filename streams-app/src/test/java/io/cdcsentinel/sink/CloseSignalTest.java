package io.cdcsentinel.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class CloseSignalTest {

    @Test
    void shouldWaitTheWholePauseWhileNoCloseIsRequested() {
        CloseSignal closing = new CloseSignal();
        long started = System.nanoTime();

        closing.pause(Duration.ofMillis(20));

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(19));
        assertThat(closing.requested()).isFalse();
    }

    @Test
    void shouldEndAPauseAtOnceWhenCloseIsRequested() {
        CloseSignal closing = new CloseSignal();
        closing.request();
        long started = System.nanoTime();

        assertThatThrownBy(() -> closing.pause(Duration.ofMinutes(5))).isInstanceOf(SinkClosedException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        assertThat(closing.requested()).isTrue();
    }

    @Test
    void shouldTakeAnInterruptForAClose() {
        CloseSignal closing = new CloseSignal();
        Thread.currentThread().interrupt();

        assertThatThrownBy(() -> closing.pause(Duration.ofMinutes(5))).isInstanceOf(SinkClosedException.class);
        assertThat(Thread.interrupted()).as("interrupt status kept (and cleared here)").isTrue();
    }
}
