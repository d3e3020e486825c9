package io.cdcsentinel.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClickHouseSettingsTest {

    @Test
    void shouldRequireTheUrlAndSayHowToSetIt() {
        assertThatThrownBy(() -> ClickHouseSettings.from(ConfigSource.of(Map.of())))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("clickhouse.url").hasMessageContaining("SENTINEL_CLICKHOUSE_URL");
    }

    @Test
    void shouldApplyDefaultsForEverythingButTheUrl() {
        ClickHouseSettings s = ClickHouseSettings.from(ConfigSource.of(Map.of("clickhouse.url", "http://127.0.0.1:8123")));
        assertThat(s.url()).isEqualTo(URI.create("http://127.0.0.1:8123"));
        assertThat(s.user()).isEqualTo("default");
        assertThat(s.password()).isEmpty();
        assertThat(s.database()).isEqualTo("default");
        assertThat(s.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.socketTimeout()).isEqualTo(Duration.ofSeconds(120));
    }

    @Test
    void shouldRejectANonHttpUrl() {
        assertThatThrownBy(() -> ClickHouseSettings.from(ConfigSource.of(Map.of("clickhouse.url", "tcp://127.0.0.1:9000"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("clickhouse.url").hasMessageContaining("http://");
    }

    @Test
    void shouldRejectADatabaseNameThatNeedsQuoting() {
        assertThatThrownBy(() -> ClickHouseSettings.from(ConfigSource.of(Map.of("clickhouse.url", "http://h:1",
                "clickhouse.database", "my-db"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("clickhouse.database");
    }

    @Test
    void shouldReadThePasswordFromAFileAndNeverPrintIt(@TempDir Path dir) throws IOException {
        Path secret = dir.resolve("pw");
        Files.writeString(secret, "s3cr3t-value\n");
        ClickHouseSettings s = ClickHouseSettings.from(ConfigSource.of(Map.of("clickhouse.url", "http://h:1",
                "clickhouse.password.file", secret.toString())));
        assertThat(s.password()).isEqualTo("s3cr3t-value");
        assertThat(s.toString()).doesNotContain("s3cr3t").contains("password=****");
    }

    @Test
    void shouldTakeThePasswordFromTheEnvironmentOverTheFile() {
        ConfigSource source = ConfigSource.load(null, Map.of("SENTINEL_CLICKHOUSE_URL", "http://h:1",
                "SENTINEL_CLICKHOUSE_PASSWORD", "from-env"));
        assertThat(ClickHouseSettings.from(source).password()).isEqualTo("from-env");
    }

    @Test
    void shouldRejectASocketTimeoutBelowOneSecond() {
        assertThatThrownBy(() -> ClickHouseSettings.from(ConfigSource.of(Map.of("clickhouse.url", "http://h:1",
                "clickhouse.socket.timeout", "10ms"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("clickhouse.socket.timeout");
    }
}
