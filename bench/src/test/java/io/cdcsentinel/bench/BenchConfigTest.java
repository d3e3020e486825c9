package io.cdcsentinel.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcsentinel.local.Endpoints;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchConfigTest {
    private final Endpoints stack = new Endpoints("jdbc:postgresql://127.0.0.1:5432/sentinel", "postgres", "secret",
            "127.0.0.1:9092", "http://127.0.0.1:8081", "http://127.0.0.1:8123");

    @Test
    void shouldPassTheOperatorsSettingsToTheStagesUnderTest() {
        Map<String, String> config = Bench.baseConfig(Map.of("gaps.score-index.enabled", "false"), stack, "bench_1");

        assertThat(config).containsEntry("gaps.score-index.enabled", "false")
                .containsEntry("postgres.url", "jdbc:postgresql://127.0.0.1:5432/bench_1");
    }

    @Test
    void shouldKeepTheStacksEndpointsWhateverIsSet() {
        Map<String, String> config = Bench.baseConfig(Map.of("kafka.bootstrap", "10.0.0.1:9092",
                "postgres.url", "jdbc:postgresql://10.0.0.1:5432/prod"), stack, "bench_1");

        assertThat(config).containsEntry("kafka.bootstrap", "127.0.0.1:9092")
                .containsEntry("postgres.url", "jdbc:postgresql://127.0.0.1:5432/bench_1");
    }
}
