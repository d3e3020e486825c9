package io.cdcsentinel.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigTest {
    private static final Map<String, String> MINIMAL = Map.of("postgres.url", "jdbc:postgresql://127.0.0.1:5432/sentinel",
            "kafka.bootstrap", "127.0.0.1:9092");

    @Test
    void shouldNameTheKeyAndEnvVariableWhenARequiredValueIsMissing() {
        assertThatThrownBy(() -> KafkaSettings.from(ConfigSource.of(Map.of())))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("kafka.bootstrap")
                .hasMessageContaining("SENTINEL_KAFKA_BOOTSTRAP")
                .hasMessageContaining("HOST:PORT");
    }

    @Test
    void shouldRejectAMalformedJdbcUrlWithTheValueAndTheExpectedForm() {
        assertThatThrownBy(() -> PostgresSettings.from(ConfigSource.of(Map.of("postgres.url", "postgres://x/y"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'postgres://x/y'")
                .hasMessageContaining("jdbc:postgresql://HOST:PORT/DATABASE");
    }

    @Test
    void shouldRejectANonNumericInteger() {
        assertThatThrownBy(() -> KafkaSettings.from(ConfigSource.of(Map.of("kafka.bootstrap", "h:1", "kafka.topic.partitions", "many"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("kafka.topic.partitions")
                .hasMessageContaining("'many'")
                .hasMessageContaining("-1 or an integer >= 1");
    }

    @Test
    void shouldRejectAnOutOfRangeInteger() {
        assertThatThrownBy(() -> StreamsSettings.from(ConfigSource.of(Map.of("streams.threads", "0"))))
                .hasMessageContaining("streams.threads").hasMessageContaining("between 1 and 64");
    }

    @Test
    void shouldRejectABadDuration() {
        assertThatThrownBy(() -> CdcSettings.from(ConfigSource.of(Map.of("cdc.heartbeat.interval", "soon"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cdc.heartbeat.interval")
                .hasMessageContaining("'soon'");
    }

    @Test
    void shouldRejectAValueOutsideTheAllowedSet() {
        assertThatThrownBy(() -> CdcSettings.from(ConfigSource.of(Map.of("cdc.snapshot.mode", "sometimes"))))
                .hasMessageContaining("cdc.snapshot.mode").hasMessageContaining("one of initial");
    }

    @Test
    void shouldRejectANonHttpRegistryUrl() {
        assertThatThrownBy(() -> RegistrySettings.from(ConfigSource.of(Map.of("registry.url", "ftp://x"))))
                .hasMessageContaining("registry.url").hasMessageContaining("http://");
    }

    @Test
    void shouldRejectAnUnloadableSerdeClass() {
        assertThatThrownBy(() -> RegistrySettings.from(ConfigSource.of(Map.of("registry.url", "http://r:1",
                "serde.avro.class", "com.example.NoSuchSerde"))))
                .hasMessageContaining("serde.avro.class").hasMessageContaining("com.example.NoSuchSerde");
    }

    @Test
    void shouldRejectAnIllegalTopicName() {
        assertThatThrownBy(() -> TopicNames.from(ConfigSource.of(Map.of("topics.gaps", "gaps with spaces"))))
                .hasMessageContaining("topics.gaps").hasMessageContaining("legal Kafka topic name");
    }

    @Test
    void shouldNeverShowASecretInAMessage() {
        ConfigKey<Integer> secretNumber = ConfigKey.integer("some.secret", "").secret().required();
        assertThatThrownBy(() -> secretNumber.read(ConfigSource.of(Map.of("some.secret", "hunter2"))))
                .hasMessageNotContaining("hunter2").hasMessageContaining("secret, 7 characters");
        PostgresSettings pg = PostgresSettings.from(ConfigSource.of(Map.of("postgres.url", "jdbc:postgresql://h:1/db",
                "postgres.password", "hunter2")));
        assertThat(pg.toString()).doesNotContain("hunter2");
    }

    @Test
    void shouldLetTheEnvironmentOverrideTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sentinel.properties");
        Files.writeString(file, "kafka.bootstrap=file-host:9092\ntopic.prefix=fromfile\n");
        ConfigSource source = ConfigSource.load(file, Map.of("SENTINEL_KAFKA_BOOTSTRAP", "env-host:9093"));
        assertThat(KafkaSettings.from(source).bootstrap()).isEqualTo("env-host:9093");
        assertThat(TopicNames.from(source).prefix()).isEqualTo("fromfile");
        assertThat(TopicNames.from(source).scorecards()).isEqualTo("fromfile.director.scorecards");
    }

    @Test
    void shouldWorkFromTheEnvironmentAloneWithDefaults() {
        ConfigSource source = ConfigSource.load(null, Map.of("SENTINEL_POSTGRES_URL", MINIMAL.get("postgres.url"),
                "SENTINEL_KAFKA_BOOTSTRAP", "127.0.0.1:9092", "SENTINEL_POSTGRES_PASSWORD", "pw"));
        PostgresSettings pg = PostgresSettings.from(source);
        assertThat(pg.host()).isEqualTo("127.0.0.1");
        assertThat(pg.port()).isEqualTo(5432);
        assertThat(pg.database()).isEqualTo("sentinel");
        assertThat(pg.password()).isEqualTo("pw");
        assertThat(TopicNames.from(source).chats()).isEqualTo("cdc.app.chats");
        assertThat(CdcSettings.from(source).heartbeatInterval()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void shouldReadASecretFromAFile(@TempDir Path dir) throws Exception {
        Path secret = dir.resolve("pw");
        Files.writeString(secret, "s3cret\n");
        ConfigSource source = ConfigSource.load(null, Map.of("SENTINEL_POSTGRES_URL", MINIMAL.get("postgres.url"),
                "SENTINEL_POSTGRES_PASSWORD_FILE", secret.toString()));
        assertThat(PostgresSettings.from(source).password()).isEqualTo("s3cret");
    }

    @Test
    void shouldFailClearlyWhenTheConfigFileIsMissing(@TempDir Path dir) {
        assertThatThrownBy(() -> ConfigSource.load(dir.resolve("nope.properties"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("nope.properties").hasMessageContaining("--config");
    }

    @Test
    void shouldPassClientPropertiesThrough() {
        ConfigSource source = ConfigSource.load(null, Map.of("SENTINEL_KAFKA_BOOTSTRAP", "h:1",
                "SENTINEL_KAFKA_CLIENT_SECURITY_PROTOCOL", "SASL_SSL"));
        assertThat(KafkaSettings.from(source).clientConfig()).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("bootstrap.servers", "h:1");
    }

    @Test
    void shouldAcceptTheDurationForms() {
        assertThat(ConfigKey.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(ConfigKey.parseDuration("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(ConfigKey.parseDuration("PT30S")).isEqualTo(Duration.ofSeconds(30));
        assertThat(ConfigKey.parseDuration("7d")).isEqualTo(Duration.ofDays(7));
    }
}
