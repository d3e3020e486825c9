package io.cdcsentinel.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.PostgresSettings;
import io.cdcsentinel.config.RegistrySettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EndpointsTest {

    private static final Endpoints FULL = new Endpoints("jdbc:postgresql://127.0.0.1:20001/sentinel", "postgres", "sentinel",
            "127.0.0.1:20002", "http://127.0.0.1:20003", "http://127.0.0.1:20004");

    @Test
    void shouldWriteOneSentinelVariablePerConfigKey() {
        assertThat(FULL.toEnvFile().lines().filter(l -> !l.startsWith("#")))
                .containsExactly("SENTINEL_POSTGRES_URL=jdbc:postgresql://127.0.0.1:20001/sentinel",
                        "SENTINEL_POSTGRES_USER=postgres",
                        "SENTINEL_POSTGRES_PASSWORD=sentinel",
                        "SENTINEL_KAFKA_BOOTSTRAP=127.0.0.1:20002",
                        "SENTINEL_REGISTRY_URL=http://127.0.0.1:20003",
                        "SENTINEL_CLICKHOUSE_URL=http://127.0.0.1:20004");
    }

    @Test
    void shouldLeaveClickHouseOutWhenTheStackHasNone() {
        Endpoints withoutClickHouse = new Endpoints(FULL.postgresUrl(), "postgres", "sentinel", FULL.kafkaBootstrap(),
                FULL.registryUrl(), null);

        assertThat(withoutClickHouse.toEnvFile()).doesNotContain("CLICKHOUSE");
        assertThat(withoutClickHouse.asConfig()).doesNotContainKey("clickhouse.url");
        assertThat(withoutClickHouse.clickhouse()).isEmpty();
    }

    @Test
    void shouldBeReadByTheApplicationsConfigurationAsEnvironment(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("endpoints.env");
        Files.writeString(file, FULL.toEnvFile());
        Map<String, String> environment = new java.util.HashMap<>();
        Files.readAllLines(file).stream().filter(l -> !l.startsWith("#")).forEach(l -> {
            int eq = l.indexOf('=');
            environment.put(l.substring(0, eq), l.substring(eq + 1));
        });

        ConfigSource config = ConfigSource.load(null, environment);

        assertThat(PostgresSettings.from(config).port()).isEqualTo(20001);
        assertThat(PostgresSettings.from(config).database()).isEqualTo("sentinel");
        assertThat(KafkaSettings.from(config).bootstrap()).isEqualTo("127.0.0.1:20002");
        assertThat(RegistrySettings.from(config).apicurioApiUrl()).isEqualTo("http://127.0.0.1:20003/apis/registry/v3");
        assertThat(Endpoints.read(file)).isEqualTo(FULL);
    }

    @Test
    void shouldTakeTheServersItLacksFromAnotherStack() {
        Endpoints kafkaOnly = new Endpoints(null, null, null, "127.0.0.1:30000", null, null);

        Endpoints merged = kafkaOnly.orElse(FULL);

        assertThat(merged.kafkaBootstrap()).isEqualTo("127.0.0.1:30000");
        assertThat(merged.postgresUrl()).isEqualTo(FULL.postgresUrl());
        assertThat(merged.registryUrl()).isEqualTo(FULL.registryUrl());
        assertThat(merged.clickhouseUrl()).isEqualTo(FULL.clickhouseUrl());
    }

    @Test
    void shouldPointToAnotherDatabaseOnTheSameServer() {
        assertThat(FULL.postgresUrl("other")).isEqualTo("jdbc:postgresql://127.0.0.1:20001/other");
    }
}
