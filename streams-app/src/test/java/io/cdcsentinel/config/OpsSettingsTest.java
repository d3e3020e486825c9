package io.cdcsentinel.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class OpsSettingsTest {
    private static OpsSettings of(Map<String, String> values) {
        return OpsSettings.from(ConfigSource.of(values));
    }

    @Test
    void shouldGiveEachCommandItsOwnPortUnderAuto() {
        OpsSettings auto = of(Map.of());
        assertThat(auto.httpEnabled()).isTrue();
        assertThat(auto.httpPort("run")).isEqualTo(9400);
        assertThat(auto.httpPort("cdc")).isEqualTo(9401);
        assertThat(auto.httpPort("sink")).isEqualTo(9402);
        assertThat(of(Map.of("http.port", "9000")).httpPort("cdc")).isEqualTo(9000);
        assertThat(of(Map.of("http.port", "OFF")).httpEnabled()).isFalse();
    }

    @Test
    void shouldRefuseAPortOutOfRangeNamingTheKey() {
        assertThatThrownBy(() -> of(Map.of("http.port", "70000"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("http.port").hasMessageContaining("SENTINEL_HTTP_PORT")
                .hasMessageContaining("a port number 0-65535, auto or off");
        assertThatThrownBy(() -> of(Map.of("log.format", "xml"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("log.format");
    }

    @Test
    void shouldRefuseAnUnknownOutputCompression() {
        assertThatThrownBy(() -> KafkaSettings.from(ConfigSource.of(Map.of("kafka.bootstrap", "h:1",
                "kafka.output.compression.type", "brotli")))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("kafka.output.compression.type").hasMessageContaining("gzip");
        assertThat(KafkaSettings.from(ConfigSource.of(Map.of("kafka.bootstrap", "h:1"))).outputCompression())
                .isEqualTo("producer");
    }
}
