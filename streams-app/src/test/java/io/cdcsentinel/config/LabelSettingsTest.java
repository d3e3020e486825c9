package io.cdcsentinel.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LabelSettingsTest {

    @Test
    void shouldApplyDefaults() {
        LabelSettings settings = LabelSettings.defaults();

        assertThat(settings.settleWindow()).isEqualTo(Duration.ofSeconds(30));
        assertThat(settings.stateRetention()).isEqualTo(Duration.ofDays(7));
        assertThat(settings.eventIndexRetention()).isEqualTo(Duration.ofDays(30));
        assertThat(settings.punctuationInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(settings.fallbackIdle()).isEqualTo(Duration.ofSeconds(5));
        assertThat(settings.fallbackMaxLag()).isEqualTo(Duration.ofMinutes(1));
        assertThat(settings.maxTimersPerPunctuation()).isEqualTo(10_000);
    }

    @Test
    void shouldAcceptAZeroSettleWindow() {
        LabelSettings settings = LabelSettings.from(ConfigSource.of(Map.of("labels.settle.window", "0s")));

        assertThat(settings.settleWindow()).isZero();
    }

    @Test
    void shouldReadEveryKeyFromTheEnvironmentOverTheFile() {
        ConfigSource source = ConfigSource.of(Map.of("labels.settle.window", "10s", "labels.state.retention", "2d"))
                .with(Map.of("labels.punctuation.interval", "250ms", "labels.timers.max-per-punctuation", "50"));

        LabelSettings settings = LabelSettings.from(source);

        assertThat(settings.settleWindow()).isEqualTo(Duration.ofSeconds(10));
        assertThat(settings.stateRetention()).isEqualTo(Duration.ofDays(2));
        assertThat(settings.punctuationInterval()).isEqualTo(Duration.ofMillis(250));
        assertThat(settings.maxTimersPerPunctuation()).isEqualTo(50);
    }

    @Test
    void shouldRejectANegativeOrUnparsableSettleWindowNamingTheKey() {
        assertThatThrownBy(() -> LabelSettings.from(ConfigSource.of(Map.of("labels.settle.window", "-5s"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("labels.settle.window").hasMessageContaining("SENTINEL_LABELS_SETTLE_WINDOW");
        assertThatThrownBy(() -> LabelSettings.from(ConfigSource.of(Map.of("labels.settle.window", "soon"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("a duration such as");
    }

    @Test
    void shouldRejectARetentionNotLongerThanTheSettleWindow() {
        assertThatThrownBy(() -> LabelSettings.from(ConfigSource.of(Map.of("labels.settle.window", "2h",
                "labels.state.retention", "1h"))))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("labels.state.retention"))
                .hasMessageContaining("longer than labels.settle.window");
    }

    @Test
    void shouldRejectAnEventIndexShorterThanTheStateRetention() {
        assertThatThrownBy(() -> LabelSettings.from(ConfigSource.of(Map.of("labels.state.retention", "10d",
                "labels.event-index.retention", "5d"))))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("labels.event-index.retention"));
    }

    @Test
    void shouldRejectAPunctuationIntervalBelowTenMillis() {
        assertThatThrownBy(() -> LabelSettings.from(ConfigSource.of(Map.of("labels.punctuation.interval", "1ms"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("at least 10ms");
    }

    @Test
    void shouldRejectANonPositiveTimerBatch() {
        assertThatThrownBy(() -> LabelSettings.from(ConfigSource.of(Map.of("labels.timers.max-per-punctuation", "0"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("labels.timers.max-per-punctuation");
    }
}
