package io.cdcsentinel.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.OpsSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard and the Prometheus alert rules in {@code deploy/} query only metrics the application exports:
 * the project's (from {@link Meters}, named as Prometheus exposes them) and what {@link Telemetry}'s registry really
 * serves (JVM and process binders, {@code sentinel_ready}), scraped here from a running one. {@code up} is
 * Prometheus's own.
 */
class DashboardMetricsTest {
    private static final Path DEPLOY = root().resolve("deploy");
    /** A metric name in PromQL: an identifier not followed by a label value quote or "=" and not a function/keyword. */
    private static final Pattern METRIC = Pattern.compile("\\b((?:sentinel|jvm|process|kafka|system)_[a-z0-9_]+|up)\\b");

    private static Path root() {
        Path here = Path.of("").toAbsolutePath();
        return Files.isDirectory(here.resolve("deploy")) ? here : here.getParent();
    }

    static Set<String> exported() {
        Set<String> names = new TreeSet<>(Meters.prometheusNames());
        names.add("up");
        try (Telemetry telemetry = Telemetry.start(OpsSettings.from(ConfigSource.of(Map.of("http.port", "0",
                "http.bind", "127.0.0.1"))), "run")) {
            Matcher m = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", Pattern.MULTILINE).matcher(telemetry.scrape());
            while (m.find()) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    static List<String> used(String text) {
        List<String> used = new ArrayList<>();
        Matcher m = METRIC.matcher(text);
        while (m.find()) {
            used.add(m.group(1));
        }
        return used;
    }

    private static List<String> dashboardExpressions() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(DEPLOY.resolve("grafana/cdc-sentinel.json").toFile());
        List<String> exprs = new ArrayList<>();
        dashboard.get("panels").forEach(p -> p.path("targets").forEach(t -> exprs.add(t.path("expr").asText())));
        dashboard.path("templating").path("list").forEach(v -> exprs.add(v.path("query").asText()));
        return exprs;
    }

    private static List<String> ruleExpressions() throws IOException {
        List<String> exprs = new ArrayList<>();
        for (String line : Files.readAllLines(DEPLOY.resolve("prometheus/alert-rules.yml"))) {
            if (line.trim().startsWith("expr:")) {
                exprs.add(line.trim().substring("expr:".length()));
            }
        }
        return exprs;
    }

    @Test
    void shouldQueryOnlyExportedMetricsInTheDashboardAndTheAlertRules() throws IOException {
        Set<String> exported = exported();
        List<String> exprs = new ArrayList<>(dashboardExpressions());
        exprs.addAll(ruleExpressions());
        assertThat(exprs).as("the files have queries").hasSizeGreaterThan(20);
        List<String> unknown = new ArrayList<>();
        for (String expr : exprs) {
            for (String metric : used(expr)) {
                if (!exported.contains(metric)) {
                    unknown.add(metric + " in: " + expr);
                }
            }
        }
        assertThat(unknown).as("metrics the application does not export").isEmpty();
        assertThat(exported).contains("sentinel_gaps_open", "sentinel_labels_written_total", "jvm_memory_used_bytes",
                "sentinel_ready");
    }

    @Test
    void shouldReportAMadeUpMetric() {
        Set<String> exported = exported();
        assertThat(used("sum by (customer) (rate(sentinel_gaps_closed_total{customer=~\"$customer\"}[5m]))"))
                .containsExactly("sentinel_gaps_closed_total")
                .allSatisfy(m -> assertThat(exported).doesNotContain(m));
    }
}
