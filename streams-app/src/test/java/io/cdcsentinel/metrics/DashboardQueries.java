package io.cdcsentinel.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the Grafana dashboard and the Prometheus alert rules in {@code deploy/} query, and what a {@code /metrics}
 * scrape serves. Shared by {@link DashboardMetricsTest} (the project's meters and a bare {@link Telemetry}) and
 * {@code MetricsHealthIT} (a live scrape of {@code run}, where Kafka Streams' and the Kafka clients' metrics are).
 */
public final class DashboardQueries {
    /** A metric name in PromQL: our prefixes, or Prometheus's own {@code up}; label values never start with these. */
    private static final Pattern METRIC = Pattern.compile("\\b((?:sentinel|jvm|process|kafka|system)_[a-z0-9_]+|up)\\b");
    /** The name of a sample line in the Prometheus text format. */
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", Pattern.MULTILINE);

    private DashboardQueries() {
    }

    private static Path deploy() {
        Path here = Path.of("").toAbsolutePath();
        return (Files.isDirectory(here.resolve("deploy")) ? here : here.getParent()).resolve("deploy");
    }

    /** The metric names a PromQL expression uses, in order. */
    public static List<String> used(String expr) {
        return found(METRIC, expr, new ArrayList<>());
    }

    /** The metric names of a scrape body. */
    public static Set<String> names(String scrape) {
        return found(SAMPLE, scrape, new TreeSet<>());
    }

    private static <C extends Collection<String>> C found(Pattern pattern, String text, C into) {
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            into.add(m.group(1));
        }
        return into;
    }

    /** Every query of the dashboard (panel targets, template variables) and of the alert rules. */
    public static List<String> expressions() throws IOException {
        List<String> exprs = new ArrayList<>();
        JsonNode dashboard = new ObjectMapper().readTree(deploy().resolve("grafana/cdc-sentinel.json").toFile());
        dashboard.get("panels").forEach(p -> p.path("targets").forEach(t -> exprs.add(t.path("expr").asText())));
        dashboard.path("templating").path("list").forEach(v -> exprs.add(v.path("query").asText()));
        for (String line : Files.readAllLines(deploy().resolve("prometheus/alert-rules.yml"))) {
            if (line.trim().startsWith("expr:")) {
                exprs.add(line.trim().substring("expr:".length()));
            }
        }
        return exprs;
    }

    /** Each metric of {@link #expressions()} that is not {@code known}, with the expression that uses it. */
    public static List<String> unknown(Predicate<String> known) throws IOException {
        List<String> unknown = new ArrayList<>();
        for (String expr : expressions()) {
            for (String metric : used(expr)) {
                if (!known.test(metric)) {
                    unknown.add(metric + " in: " + expr);
                }
            }
        }
        return unknown;
    }
}
