package io.cdcsentinel.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GapSettingsTest {

    @Test
    void shouldApplyTheDocumentedDefaults() {
        GapSettings settings = GapSettings.defaults();

        assertThat(settings.grace()).isEqualTo(Duration.ofMinutes(5));
        assertThat(settings.settledRetention()).isEqualTo(Duration.ofDays(7));
        assertThat(settings.rateThresholdPct()).isEqualTo(5.0);
        assertThat(settings.rateMinVolume()).isEqualTo(20);
        assertThat(settings.rateEmitInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(settings.rateRetention()).isEqualTo(Duration.ofDays(35));
        assertThat(settings.punctuationInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(settings.clockIdleAfter()).isEqualTo(Duration.ofSeconds(10));
        assertThat(settings.clockMaxLag()).isEqualTo(Duration.ofMinutes(1));
        assertThat(settings.clockMaxSkew()).isEqualTo(Duration.ofMinutes(5));
        assertThat(settings.conversationHistory()).isEqualTo(Duration.ofDays(30));
        assertThat(settings.maxTimersPerPunctuation()).isEqualTo(10_000);
        assertThat(settings.scoreIndexRetention()).isEqualTo(Duration.ofDays(7).plusMinutes(5));
    }

    @Test
    void shouldReadEveryKeyFromTheFileAndLetTheEnvironmentOverrideIt() {
        Map<String, String> file = Map.ofEntries(Map.entry("gaps.grace", "90s"), Map.entry("gaps.settled.retention", "2d"),
                Map.entry("gaps.rates.threshold.pct", "2.5"), Map.entry("gaps.rates.min.volume", "100"),
                Map.entry("gaps.rates.emit.interval", "1m"), Map.entry("gaps.rates.retention", "10d"),
                Map.entry("gaps.punctuation.interval", "250ms"), Map.entry("gaps.clock.idle.after", "30s"),
                Map.entry("gaps.clock.max.lag", "PT2M"), Map.entry("gaps.clock.max.skew", "0s"),
                Map.entry("gaps.conversation.history", "12h"),
                Map.entry("gaps.timers.max.per.punctuation", "500"), Map.entry("gaps.score-index.enabled", "false"));
        ConfigSource source = ConfigSource.of(file).with(Map.of("gaps.grace", "2m"));

        GapSettings settings = GapSettings.from(source);

        assertThat(settings).isEqualTo(new GapSettings(Duration.ofMinutes(2), Duration.ofDays(2), 2.5, 100,
                Duration.ofMinutes(1), Duration.ofDays(10), Duration.ofMillis(250), Duration.ofSeconds(30),
                Duration.ofMinutes(2), Duration.ZERO, Duration.ofHours(12), 500, false));
        assertThat(GapSettings.GRACE.envName()).isEqualTo("SENTINEL_GAPS_GRACE");
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({
        "gaps.grace, 0s",
        "gaps.grace, five minutes",
        "gaps.rates.threshold.pct, 0",
        "gaps.rates.threshold.pct, 101",
        "gaps.rates.threshold.pct, NaN",
        "gaps.rates.min.volume, 0",
        "gaps.punctuation.interval, 5ms",
        "gaps.settled.retention, 30s",
        "gaps.timers.max.per.punctuation, 0",
    })
    void shouldStopStartUpNamingTheKeyOfAnInvalidValue(String key, String value) {
        assertThatThrownBy(() -> GapSettings.from(ConfigSource.of(Map.of(key, value))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(key)
                .hasMessageContaining("expected")
                .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo(key));
    }

    @Test
    void shouldRefuseARetentionThatDoesNotOutliveTheGrace() {
        ConfigSource source = ConfigSource.of(Map.of("gaps.grace", "2h", "gaps.settled.retention", "1h"));

        assertThatThrownBy(() -> GapSettings.from(source))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("gaps.settled.retention")
                .hasMessageContaining("gaps.grace");
    }
}
