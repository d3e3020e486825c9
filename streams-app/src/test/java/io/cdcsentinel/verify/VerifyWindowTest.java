package io.cdcsentinel.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class VerifyWindowTest {

    @Test
    void shouldReadADateAsMidnightUtcAndAnInstantTruncatedToTheSecond() {
        assertThat(VerifyWindow.parseTime("--from", "2026-01-05")).isEqualTo(Instant.parse("2026-01-05T00:00:00Z"));
        assertThat(VerifyWindow.parseTime("--from", "2026-01-05T10:15:30.750Z")).isEqualTo(Instant.parse("2026-01-05T10:15:30Z"));
        assertThat(VerifyWindow.parseTime("--from", "2026-01-05T12:00:00+02:00")).isEqualTo(Instant.parse("2026-01-05T10:00:00Z"));
    }

    @Test
    void shouldNameTheOptionOfAnUnreadableTime() {
        assertThatThrownBy(() -> VerifyWindow.parseTime("--to", "yesterday"))
                .hasMessageContaining("--to 'yesterday'").hasMessageContaining("2026-01-05");
    }

    @Test
    void shouldRefuseAWindowWhoseEndIsNotAfterItsStart() {
        Instant t = Instant.parse("2026-01-05T00:00:00Z");
        assertThatThrownBy(() -> new VerifyWindow(t, t, List.of())).hasMessageContaining("--to").hasMessageContaining("--from");
        assertThatThrownBy(() -> new VerifyWindow(t, t.minusSeconds(1), List.of())).hasMessageContaining("must be after --from");
    }
}
