package io.cdcsentinel.backfill;

import io.cdcsentinel.config.CdcSettings;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.GapSettings;
import io.cdcsentinel.config.LabelSettings;
import io.cdcsentinel.config.OpsSettings;
import io.cdcsentinel.config.RunSettings;
import io.cdcsentinel.config.SinkSettings;
import io.cdcsentinel.config.StreamsSettings;
import io.cdcsentinel.config.TopicNames;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything a backfill of one window is named after, derived from the deployment's configuration and the window id
 * (so a rerun finds what a killed run left): its own Kafka Streams application id, the shadow output topics, the
 * shadow ClickHouse table (same DDL as the real one), and for a re-snapshot its own CDC topics, replication slot,
 * publication and offsets.
 *
 * <p>The configuration the backfill's pipeline runs with is the deployment's, with these names and the horizons
 * widened to the window's age: {@code gaps.settled.retention}, {@code gaps.rates.retention} and
 * {@code labels.state.retention} (and {@code labels.event-index.retention}, which must outlive it) become at least {@code now - from} plus their configured value, so a scorecard
 * created ten months ago is neither ignored as "first seen late" nor its roll-up bucket dropped, and the wall-clock
 * fallbacks of both topologies ({@code gaps.clock.max.lag}, {@code labels.fallback.max-lag}) treat old records as
 * live, so the timers of the window's last scorecards and conversations fire once the input is consumed, instead of
 * waiting for traffic that a bounded replay never gets.
 */
public record BackfillPlan(BackfillWindow window, ConfigSource base, String applicationId, TopicNames liveTopics,
        TopicNames shadowTopics, String liveTable, String shadowTable, String sinkGroup, Path stateDir,
        String snapshotPrefix, String snapshotSlot, String snapshotPublication, String snapshotOffsetsTopic,
        String snapshotName, Map<String, String> horizons) {

    public static BackfillPlan of(ConfigSource base, BackfillWindow window, Instant now) {
        String id = window.id();
        TopicNames live = TopicNames.from(base);
        String suffix = ".backfill." + id;
        TopicNames shadow = new TopicNames(live.prefix(), live.gaps() + suffix, live.gapRates() + suffix,
                live.labels() + suffix, live.deadLetters());
        StreamsSettings streams = StreamsSettings.from(base);
        SinkSettings sink = SinkSettings.from(base);
        CdcSettings cdc = CdcSettings.from(base);
        Duration age = Duration.between(window.from(), now).isNegative() ? Duration.ZERO : Duration.between(window.from(), now);
        GapSettings gaps = GapSettings.from(base);
        LabelSettings labels = LabelSettings.from(base);
        Map<String, String> horizons = new LinkedHashMap<>();
        horizons.put(GapSettings.SETTLED_RETENTION.name(), millis(gaps.settledRetention().plus(age)));
        horizons.put(GapSettings.RATE_RETENTION.name(), millis(gaps.rateRetention().plus(age)));
        horizons.put(GapSettings.CLOCK_MAX_LAG.name(), millis(gaps.clockMaxLag().plus(age).plus(gaps.settledRetention())));
        horizons.put(LabelSettings.STATE_RETENTION.name(), millis(labels.stateRetention().plus(age)));
        horizons.put(LabelSettings.EVENT_INDEX_RETENTION.name(), millis(labels.eventIndexRetention().plus(age)));
        horizons.put(LabelSettings.FALLBACK_MAX_LAG.name(), millis(labels.fallbackMaxLag().plus(age).plus(labels.stateRetention())));
        String applicationId = streams.applicationId() + "-" + id;
        // the deployment is part of every name: two deployments on one state dir or one PostgreSQL never share a backfill's
        // state file, slot or shadow table
        String shortId = BackfillWindow.hash(applicationId).substring(0, 12);
        return new BackfillPlan(window, base, applicationId, live, shadow, sink.table(),
                sink.table() + "_bf_" + shortId, sink.groupId() + "-" + id,
                streams.stateDir().resolve("backfill").resolve(applicationId).resolve("streams"),
                live.prefix() + suffix, "sentinel_bf_" + shortId, "sentinel_bf_" + shortId + "_pub",
                cdc.offsetsTopic() + suffix, cdc.name() + "-" + id, Map.copyOf(horizons));
    }

    /** Where the backfill keeps its state file and reports: next to its Kafka Streams state. */
    public Path workDir() {
        return stateDir.getParent();
    }

    /** The CDC topics the backfill replays: the live ones, or the re-snapshot's own. */
    public TopicNames inputTopics(boolean resnapshot) {
        return resnapshot ? new TopicNames(snapshotPrefix, shadowTopics.gaps(), shadowTopics.gapRates(), shadowTopics.labels(),
                shadowTopics.deadLetters()) : shadowTopics;
    }

    /**
     * The configuration of the backfill's pipeline: the topologies and the sink of {@code run} under the names above,
     * reading {@link #inputTopics}, with the widened horizons, static membership off (one process) and no HTTP server.
     */
    public ConfigSource pipelineConfig(boolean resnapshot) {
        TopicNames in = inputTopics(resnapshot);
        Map<String, String> o = new LinkedHashMap<>(horizons);
        o.put(StreamsSettings.APPLICATION_ID.name(), applicationId);
        o.put(StreamsSettings.STATE_DIR.name(), stateDir.toString());
        o.put(StreamsSettings.INSTANCE_NAME.name(), "none");
        o.put(TopicNames.PREFIX.name(), in.prefix());
        o.put(TopicNames.GAPS.name(), in.gaps());
        o.put(TopicNames.GAP_RATES.name(), in.gapRates());
        o.put(TopicNames.LABELS.name(), in.labels());
        o.put(SinkSettings.TABLE.name(), shadowTable);
        o.put(SinkSettings.CREATE_TABLE.name(), "true");
        o.put(SinkSettings.GROUP_ID.name(), sinkGroup);
        o.put(RunSettings.SINK_ENABLED.name(), "true");
        // never the live run's health file (the pipeline deletes it when it stops)
        o.put(RunSettings.HEALTH_FILE.name(), workDir().resolve("running").toString());
        o.put(RunSettings.STATUS_INTERVAL.name(), "0s");
        o.put(OpsSettings.HTTP_PORT.name(), "off");
        return base.with(o);
    }

    /** The configuration of the re-snapshot's Debezium engine: its own topics, slot, publication and offsets. */
    public ConfigSource snapshotConfig() {
        Map<String, String> o = new LinkedHashMap<>();
        o.put(TopicNames.PREFIX.name(), snapshotPrefix);
        o.put(CdcSettings.NAME.name(), snapshotName);
        o.put(CdcSettings.SLOT.name(), snapshotSlot);
        o.put(CdcSettings.PUBLICATION.name(), snapshotPublication);
        o.put(CdcSettings.OFFSETS_TOPIC.name(), snapshotOffsetsTopic);
        // no initial snapshot: the rows of the window come from the incremental snapshot the backfill signals
        o.put(CdcSettings.SNAPSHOT_MODE.name(), "no_data");
        o.put(OpsSettings.HTTP_PORT.name(), "off");
        return base.with(o);
    }

    private static String millis(Duration d) {
        return d.toMillis() + "ms";
    }
}
