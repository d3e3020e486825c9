package io.cdcsentinel.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.OpsSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The HTTP endpoints over a real socket: /metrics in Prometheus text format, the two health checks. */
class TelemetryTest {
    private final HttpClient http = HttpClient.newHttpClient();

    private static OpsSettings settings(String port) {
        return OpsSettings.from(ConfigSource.of(Map.of("http.port", port, "http.bind", "127.0.0.1")));
    }

    private HttpResponse<String> get(Telemetry telemetry, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + telemetry.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldServeTheProjectsMetersCreatedBeforeAndAfterItStartedWithBoundedTags() throws Exception {
        Meters.GAPS_OPEN.add(List.of("telemetry-before", "p"), 3);
        try (Telemetry telemetry = Telemetry.start(settings("0"), "run")) {
            Meters.GAP_EVENTS.increment("telemetry-after", "p", "OPENED");

            HttpResponse<String> metrics = get(telemetry, "/metrics");

            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
            assertThat(metrics.body())
                    .contains("sentinel_gaps_open{command=\"run\",customer=\"telemetry-before\",profile=\"p\"} 3.0")
                    .contains("sentinel_gap_events_total{command=\"run\",customer=\"telemetry-after\",profile=\"p\",type=\"OPENED\"} 1.0")
                    .contains("jvm_memory_used_bytes")
                    .contains("sentinel_ready{command=\"run\"} 0.0");
        } finally {
            Meters.GAPS_OPEN.add(List.of("telemetry-before", "p"), -3);
        }
    }

    @Test
    void shouldAnswer503UntilReadyAnd200AfterWithTheParts() throws Exception {
        AtomicBoolean ready = new AtomicBoolean();
        try (Telemetry telemetry = Telemetry.start(settings("0"), "sink")) {
            telemetry.health(() -> new Health(true, Map.of()),
                    () -> new Health(ready.get(), Map.of("sink", ready.get() ? "RUNNING" : "NEW")));

            HttpResponse<String> starting = get(telemetry, "/health/ready");
            assertThat(starting.statusCode()).isEqualTo(503);
            assertThat(starting.body()).isEqualTo("{\"status\":\"DOWN\",\"parts\":{\"sink\":\"NEW\"}}");
            assertThat(get(telemetry, "/health/live").statusCode()).isEqualTo(200);

            ready.set(true);
            HttpResponse<String> running = get(telemetry, "/health/ready");
            assertThat(running.statusCode()).isEqualTo(200);
            assertThat(running.body()).isEqualTo("{\"status\":\"UP\",\"parts\":{\"sink\":\"RUNNING\"}}");
            assertThat(get(telemetry, "/metrics").body()).contains("sentinel_ready{command=\"sink\"} 1.0");
        }
    }

    @Test
    void shouldServeNothingWhenOff() {
        try (Telemetry telemetry = Telemetry.start(settings("off"), "cdc")) {
            assertThat(telemetry.enabled()).isFalse();
            assertThat(telemetry.port()).isEqualTo(-1);
            assertThat(telemetry.scrape()).isEmpty();
        }
    }
}
