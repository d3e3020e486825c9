package io.cdcsentinel.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.OpsSettings;
import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard and the Prometheus alert rules in {@code deploy/} query only metrics the application exports:
 * the project's (from {@link Meters}, named as Prometheus exposes them) and what {@link Telemetry}'s registry really
 * serves (JVM and process binders, {@code sentinel_ready}), scraped here from a running one. {@code up} is
 * Prometheus's own. Kafka Streams' and the Kafka clients' {@code kafka_*} metrics come only with a running pipeline:
 * {@code MetricsHealthIT} checks every name, those included, against a live scrape of {@code run}.
 */
class DashboardMetricsTest {

    static Set<String> exported() {
        Set<String> names = new TreeSet<>(Meters.prometheusNames());
        names.add("up");
        try (Telemetry telemetry = Telemetry.start(OpsSettings.from(ConfigSource.of(Map.of("http.port", "0",
                "http.bind", "127.0.0.1"))), "run")) {
            names.addAll(DashboardQueries.names(telemetry.scrape()));
        }
        return names;
    }

    @Test
    void shouldQueryOnlyExportedMetricsInTheDashboardAndTheAlertRules() throws IOException {
        Set<String> exported = exported();
        assertThat(DashboardQueries.expressions()).as("the files have queries").hasSizeGreaterThan(20);
        assertThat(DashboardQueries.unknown(m -> exported.contains(m) || m.startsWith("kafka_")))
                .as("metrics the application does not export").isEmpty();
        assertThat(exported).contains("sentinel_gaps_open", "sentinel_labels_written_total", "jvm_memory_used_bytes",
                "sentinel_ready");
    }

    @Test
    void shouldReportAMadeUpMetric() {
        Set<String> exported = exported();
        assertThat(DashboardQueries.used(
                "sum by (customer) (rate(sentinel_gaps_closed_total{customer=~\"$customer\"}[5m]))"))
                .containsExactly("sentinel_gaps_closed_total")
                .allSatisfy(m -> assertThat(exported).doesNotContain(m));
    }
}
