package io.cdcsentinel.metrics;

import io.micrometer.core.instrument.Metrics;
import java.util.List;

/**
 * The project's own figures, in one place (the Grafana dashboard and the alert rules in {@code deploy/} use these
 * names; {@code DashboardMetricsTest} checks that every metric they query is one of them or a binder's, and
 * {@code MetricsHealthIT} checks them, Kafka's {@code kafka_*} included, against a live scrape of {@code run}).
 * Prometheus names: dots become underscores, counters end in {@code _total}.
 *
 * <p>Tags are bounded on purpose: customer, profile, and small enumerations (event type, label kind, bucket size,
 * reason). Never a scorecard or conversation id.
 */
public final class Meters {
    private Meters() {
    }

    // Historic-gap topology
    public static final TaggedCounter GAP_EVENTS = counter("sentinel.gap.events",
            "gap events published (OPENED, RESOLVED, WITHDRAWN)", "customer", "profile", "type");
    public static final SummedGauge GAPS_OPEN = gauge("sentinel.gaps.open",
            "gaps currently open, held by the tasks of this process", "customer", "profile");
    public static final TaggedCounter RATE_ALERTS = counter("sentinel.rate.alerts",
            "missing-rate alerts raised or resolved", "customer", "profile", "bucket_size", "kind");
    public static final MissingRateGauge MISSING_RATE = new MissingRateGauge("sentinel.missing.rate",
            "missing percentage of the latest roll-up bucket, per bucket size and class (submitted, unsubmitted)",
            Metrics.globalRegistry);
    public static final SummedGauge RATE_BUCKETS_ALERTING = gauge("sentinel.rate.buckets.alerting",
            "roll-up buckets whose latest roll-up is alerting, held by the tasks of this process",
            "customer", "profile", "bucket_size");

    // Conversation-label topology
    public static final TaggedCounter LABELS_WRITTEN = counter("sentinel.labels.written",
            "labels published to the label topic, per kind (FINAL, CORRECTION, DELETE)", "customer", "kind");
    public static final SummedGauge LABELS_HELD = gauge("sentinel.labels.held",
            "conversations whose label waits for its settle window, held by the tasks of this process", "customer");
    public static final SummedGauge LABEL_CHANGES_BUFFERED = gauge("sentinel.label.changes.buffered",
            "changes ahead of the upstream watermark, held back to be applied in commit order (tasks of this process)");

    // Errors
    public static final TaggedCounter DEAD_LETTERS = counter("sentinel.dead.letters",
            "records sent to the dead-letter topic, per component and reason", "component", "reason");
    public static final TaggedCounter THREAD_REPLACEMENTS = counter("sentinel.stream.thread.replacements",
            "stream threads replaced after an unexpected error", "application");

    // ClickHouse sink (function counters over the sink's own progress, registered by SinkMeters)
    public static final String SINK_ROWS = "sentinel.sink.rows.written";
    public static final String SINK_RETRIES = "sentinel.sink.retries";
    public static final String SINK_BATCHES = "sentinel.sink.batches.written";
    public static final String SINK_LAG_RECORDS = "sentinel.sink.lag.records";
    public static final String SINK_LAG_SECONDS = "sentinel.sink.lag.seconds";

    // CDC (Debezium embedded)
    public static final TaggedCounter CDC_RECORDS = counter("sentinel.cdc.records",
            "change records published to the CDC topics, per source table", "table");
    public static final SummedGauge CDC_SLOT_LAG_BYTES = gauge("sentinel.cdc.slot.lag.bytes",
            "WAL bytes between PostgreSQL's current position and the slot's confirmed flush position", "slot");
    public static final SummedGauge CDC_LAG_SECONDS = gauge("sentinel.cdc.lag.seconds",
            "seconds between the commit of the last change published and its publication", "slot");

    // Process (registered by Telemetry: 1 while /health/ready would answer 200, else 0)
    public static final String READY = "sentinel.ready";

    /** Every project meter name (Micrometer form), for the dashboard check. */
    public static List<String> names() {
        return List.of(GAP_EVENTS.name(), GAPS_OPEN.name(), RATE_ALERTS.name(), MISSING_RATE.name(),
                RATE_BUCKETS_ALERTING.name(), LABELS_WRITTEN.name(), LABELS_HELD.name(), LABEL_CHANGES_BUFFERED.name(), DEAD_LETTERS.name(),
                THREAD_REPLACEMENTS.name(), SINK_ROWS, SINK_RETRIES, SINK_BATCHES, SINK_LAG_RECORDS,
                SINK_LAG_SECONDS, CDC_RECORDS.name(), CDC_SLOT_LAG_BYTES.name(), CDC_LAG_SECONDS.name(), READY);
    }

    /** The names of {@link #names()} that are counters (Prometheus adds {@code _total}). */
    public static List<String> counterNames() {
        return List.of(GAP_EVENTS.name(), RATE_ALERTS.name(), LABELS_WRITTEN.name(), DEAD_LETTERS.name(),
                THREAD_REPLACEMENTS.name(), SINK_ROWS, SINK_RETRIES, SINK_BATCHES, CDC_RECORDS.name());
    }

    /** {@link #names()} as Prometheus exposes them: dots to underscores, {@code _total} after a counter's. */
    public static List<String> prometheusNames() {
        List<String> counters = counterNames();
        return names().stream().map(n -> n.replace('.', '_') + (counters.contains(n) ? "_total" : "")).toList();
    }

    private static TaggedCounter counter(String name, String description, String... tags) {
        return new TaggedCounter(name, description, List.of(tags), Metrics.globalRegistry);
    }

    private static SummedGauge gauge(String name, String description, String... tags) {
        return new SummedGauge(name, description, List.of(tags), Metrics.globalRegistry);
    }
}
