package io.cdcsentinel.verify;

import io.cdcsentinel.avro.ScorecardGapEvent;
import io.cdcsentinel.avro.ScorecardGapKey;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.GapSettings;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.LabelSettings;
import io.cdcsentinel.config.RegistrySettings;
import io.cdcsentinel.config.SinkSettings;
import io.cdcsentinel.config.StreamsSettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.sink.LabelStore;
import io.cdcsentinel.topology.AvroSerdes;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One comparison of a window, once the position is known: the open alerts of the configuration's gap topic and the
 * labels of its ClickHouse table against PostgreSQL, with the in-flight cutoffs the configuration's timers imply.
 * {@code bin/sentinel verify} pins the position to the running pipeline ({@link PositionReader}); a backfill pins it to
 * its end offsets and points the configuration at its shadow outputs.
 */
public final class Verification {
    private Verification() {
    }

    /**
     * The position of a pipeline that has processed every change committed up to {@code captureMs} and then let every
     * timer of them fire (a finished backfill): what changed up to {@code captureMs} (less {@link Verifier#CLOCK_MARGIN}
     * for an {@code updated_at} taken before its commit) is decided, what changed later is in flight.
     */
    public static PipelinePosition drainedAt(ConfigSource config, long captureMs, String note) {
        LabelSettings labels = LabelSettings.from(config);
        GapSettings gaps = GapSettings.from(config);
        long margin = Verifier.CLOCK_MARGIN.toMillis();
        long labelsMs = captureMs + labels.settleWindow().toMillis() + labelsMargin(config).toMillis() - margin;
        long gapsMs = captureMs + gaps.grace().toMillis() + gapsMargin(config).toMillis() - margin;
        return new PipelinePosition(Instant.ofEpochMilli(captureMs), captureMs, labelsMs, gapsMs, List.of(note));
    }

    static Cutoffs cutoffs(ConfigSource config, PipelinePosition position) {
        return new Cutoffs(position.labelsMs(), position.gapsMs(), LabelSettings.from(config).settleWindow(),
                GapSettings.from(config).grace(), labelsMargin(config), gapsMargin(config));
    }

    private static Duration labelsMargin(ConfigSource config) {
        LabelSettings labels = LabelSettings.from(config);
        return Verifier.labelsMargin(labels.fallbackIdle(), labels.punctuationInterval(), SinkSettings.from(config).batchLinger(),
                StreamsSettings.from(config).commitInterval());
    }

    private static Duration gapsMargin(ConfigSource config) {
        GapSettings gaps = GapSettings.from(config);
        return Verifier.gapsMargin(gaps.clockIdleAfter(), gaps.punctuationInterval(), StreamsSettings.from(config).commitInterval());
    }

    public static VerifyReport compare(ConfigSource config, Connection pg, LabelStore clickhouse, VerifyWindow window,
            PipelinePosition position, int limit, long startedNanos) throws SQLException {
        AvroSerdes avro = new AvroSerdes(RegistrySettings.from(config));
        Map<String, OpenAlert> open = Verifier.openAlerts(KafkaSettings.from(config), TopicNames.from(config).gaps(),
                avro.forKeys(ScorecardGapKey.class).deserializer(), avro.forValues(ScorecardGapEvent.class).deserializer(), window);
        Cutoffs cutoffs = cutoffs(config, position);
        VerifyReport report = new VerifyReport(window, limit);
        report.position(position);
        Verifier.compare(pg, clickhouse, open, window, cutoffs, report);
        report.elapsed(Duration.ofNanos(System.nanoTime() - startedNanos));
        return report;
    }
}
