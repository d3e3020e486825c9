package io.cdcsentinel.backfill;

import io.cdcsentinel.config.ClickHouseSettings;
import io.cdcsentinel.config.ConfigException;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.PostgresSettings;
import io.cdcsentinel.config.RegistrySettings;
import io.cdcsentinel.config.SinkSettings;
import io.cdcsentinel.sink.LabelStore;
import io.cdcsentinel.sink.LabelTable;
import io.cdcsentinel.topology.AvroSerdes;
import io.cdcsentinel.verify.PipelinePosition;
import io.cdcsentinel.verify.PositionReader;
import io.cdcsentinel.verify.Verification;
import io.cdcsentinel.verify.VerifyReport;
import io.cdcsentinel.verify.VerifyWindow;
import java.io.IOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a finished replay of a window produced, read back from its shadow outputs (gap events, roll-ups, labels, the
 * shadow table's rows) and checked against PostgreSQL with {@code verify}, pinned to the replay's end offsets.
 */
final class BackfillReporter {
    private static final Logger LOG = LoggerFactory.getLogger(BackfillReporter.class);
    private final ConfigSource base;
    private final BackfillPlan plan;
    private final KafkaSettings kafka;
    private final RegistrySettings registry;

    BackfillReporter(ConfigSource base, BackfillPlan plan) {
        this.base = base;
        this.plan = plan;
        this.kafka = KafkaSettings.from(base);
        this.registry = RegistrySettings.from(base);
    }

    /** The report of the replay recorded in {@code state}, with the verify result. */
    BackfillReport report(BackfillState state, boolean resnapshot) {
        return counts(state).withVerify(verify(state, resnapshot));
    }

    private BackfillReport counts(BackfillState state) {
        BackfillWindow window = plan.window();
        AvroSerdes avro = new AvroSerdes(registry);
        OutputCounts shadow = OutputCounts.read(kafka, plan.shadowTopics(), avro, window, true);
        long records = 0;
        for (var e : state.endOffsets.entrySet()) {
            records += Math.max(0, e.getValue() - state.startOffsets.getOrDefault(e.getKey(), 0L));
        }
        Map<String, String> shadowNames = new LinkedHashMap<>();
        shadowNames.put("gaps", plan.shadowTopics().gaps());
        shadowNames.put("gap-rates", plan.shadowTopics().gapRates());
        shadowNames.put("labels", plan.shadowTopics().labels());
        shadowNames.put("table", plan.shadowTable());
        return new BackfillReport(window.id(), window.from(), window.to(), window.customers(), state.source.name().toLowerCase(),
                plan.applicationId(), shadowNames, state.startOffsets, state.endOffsets, records, state.replayMillis,
                state.replayMillis == 0 ? 0 : records * 1000.0 / state.replayMillis, state.snapshotRowsScanned, shadow.gapEvents,
                shadow.openPerCustomer(), shadow.latestRate.size(), shadow.alertingBuckets(), shadow.labels, shadowRows(window),
                shadow.undecodable, null, null);
    }

    /**
     * Verifies the shadow outputs against PostgreSQL for the window (labels of the shadow table, open alerts of the
     * shadow gap topic), pinned to the end offsets: what changed after them is the live pipeline's, and in flight.
     */
    private BackfillReport.Verify verify(BackfillState state, boolean resnapshot) {
        PostgresSettings postgres;
        try {
            postgres = PostgresSettings.from(base);
        } catch (ConfigException e) {
            return new BackfillReport.Verify(false, 0, 0, "not run: PostgreSQL is not configured (" + e.getMessage() + ")", null);
        }
        ConfigSource shadow = plan.pipelineConfig(resnapshot);
        long started = System.nanoTime();
        Map<org.apache.kafka.common.TopicPartition, Long> ends = new LinkedHashMap<>();
        state.endOffsets.forEach((tp, offset) -> ends.put(KafkaPositions.parse(tp), offset));
        SinkSettings sink = SinkSettings.from(shadow);
        ClickHouseSettings clickhouse = ClickHouseSettings.from(shadow);
        try (Connection pg = postgres.connect();
                LabelStore store = new LabelStore(clickhouse, new LabelTable(clickhouse.database(), sink.table(), sink.layout()))) {
            long captured = PositionReader.newestCommitBefore(kafka.clientConfig(), ends);
            PipelinePosition position = Verification.drainedAt(shadow, captured, "pinned to the backfill's end offsets"
                    + " (the newest commit before them): what was committed after them is the live pipeline's, in flight here");
            VerifyWindow window = new VerifyWindow(plan.window().from(), plan.window().to(), plan.window().customers());
            VerifyReport report = Verification.compare(shadow, pg, store, window, position, 20, started);
            Files.writeString(plan.workDir().resolve("verify.txt"), report.text());
            Files.writeString(plan.workDir().resolve("verify.json"), report.json());
            String text = report.text();
            return new BackfillReport.Verify(true, report.differences(), report.inFlight(),
                    text.substring(text.lastIndexOf('\n') + 1), plan.workDir().resolve("verify.txt").toString());
        } catch (SQLException | IOException | RuntimeException e) {
            LOG.warn("backfill {}: verify failed", plan.window().id(), e);
            return new BackfillReport.Verify(false, 0, 0, "failed: " + e.getMessage() + "; run bin/sentinel verify by hand", null);
        }
    }

    private long shadowRows(BackfillWindow window) {
        ClickHouseSettings clickhouse = ClickHouseSettings.from(base);
        SinkSettings sink = SinkSettings.from(base);
        LabelTable shadow = new LabelTable(clickhouse.database(), plan.shadowTable(), sink.layout());
        try (LabelStore store = new LabelStore(clickhouse, shadow)) {
            return Long.parseLong(store.query("SELECT count() FROM " + shadow.qualifiedName() + " FINAL WHERE "
                    + BackfillApply.inWindow(window) + " AND is_deleted = 0").get(0)[0]);
        }
    }
}
