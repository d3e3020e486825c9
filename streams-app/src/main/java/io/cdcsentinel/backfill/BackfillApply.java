package io.cdcsentinel.backfill;

import io.cdcsentinel.avro.GapEventType;
import io.cdcsentinel.avro.GapRate;
import io.cdcsentinel.avro.GapRateKey;
import io.cdcsentinel.avro.GapRateKind;
import io.cdcsentinel.avro.ScorecardGapEvent;
import io.cdcsentinel.avro.ScorecardGapKey;
import io.cdcsentinel.config.ClickHouseSettings;
import io.cdcsentinel.config.ConfigException;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.SinkSettings;
import io.cdcsentinel.sink.LabelStore;
import io.cdcsentinel.sink.LabelTable;
import io.cdcsentinel.topology.AvroSerdes;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;

/**
 * {@code backfill --apply}: publishes what the shadow outputs found for the window onto the real targets, as a
 * difference against what those hold, so that applying twice (or again after a crash) changes nothing more.
 *
 * <ul>
 *   <li>Gap events: for each scorecard of the window whose latest shadow event differs in state from the latest live
 *       one, the shadow event is published on {@code scorecard-historic-gaps}: OPENED when the live topic has no open
 *       gap for it (never a second OPENED for an open gap), RESOLVED / WITHDRAWN only for a gap the live topic has
 *       open (never a close for a gap consumers never saw open).</li>
 *   <li>Roll-ups: each bucket of the window whose latest shadow roll-up differs (counts or alerting) from the live one
 *       is published, as ALERT_RAISED / ALERT_RESOLVED when its alerting state changes, else ROLLUP.</li>
 *   <li>Labels: one set-based {@code INSERT ... SELECT} copies into the real table the shadow rows ({@code FINAL}) of the
 *       window's conversations that the real table lacks, or whose content differs there with a lower version; a
 *       version the real table already holds (or a lower one) is never written, as the sink never writes a version twice.</li>
 * </ul>
 * Events go out in producer transactions (read_committed consumers never see a half-applied chunk).
 */
final class BackfillApply {
    private static final int CHUNK = 10_000;
    private static final DateTimeFormatter CH_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
    /** The columns that make a label's content; a row differing in none of them is the same label. */
    static final String CONTENT = "concat(toString(is_deleted), '|', ifNull(agent_user_id, '\\\\N'), '|', ifNull(usecase_id, '\\\\N'),"
            + " '|', ifNull(toString(conversation_start_time), '\\\\N'), '|', ifNull(toString(conversation_end_time), '\\\\N'), '|',"
            + " toString(assist_shown_count), '|', toString(assist_used_count), '|', toString(agent_assisted), '|',"
            + " toString(bot_outcome))";

    record Result(Map<String, Long> gapEventsPublished, long gapsAlreadyInState, long gapsNeverOpenSkipped,
            long liveOpenNotFound, long rateRecordsPublished, long labelRowsInserted) {
    }

    private BackfillApply() {
    }

    static Result apply(BackfillPlan plan, KafkaSettings kafka, AvroSerdes avro, ClickHouseSettings clickhouse,
            SinkSettings sink, OutputCounts shadow) {
        if (sink.layout() != SinkSettings.Layout.REPLACING) {
            throw new ConfigException(SinkSettings.LAYOUT.name(), "backfill --apply writes labels into a replacing-layout table only"
                    + " (sink.layout=" + sink.layout().name().toLowerCase() + "): migrate the table, or apply without labels");
        }
        BackfillWindow window = plan.window();
        OutputCounts live = OutputCounts.read(kafka, plan.liveTopics(), avro, window, false);

        List<ProducerRecord<Object, Object>> records = new ArrayList<>();
        Map<String, Long> published = new TreeMap<>();
        long inState = 0;
        long neverOpen = 0;
        for (var e : shadow.latestGap.entrySet()) {
            ScorecardGapEvent event = e.getValue();
            ScorecardGapEvent current = live.latestGap.get(e.getKey());
            boolean liveOpen = current != null && current.getEventType() == GapEventType.OPENED;
            boolean shadowOpen = event.getEventType() == GapEventType.OPENED;
            if (shadowOpen == liveOpen) {
                inState++;
            } else if (!shadowOpen && current == null) {
                neverOpen++;
            } else if (!shadowOpen && current.getEventType() != GapEventType.OPENED) {
                inState++;
            } else {
                records.add(new ProducerRecord<>(plan.liveTopics().gaps(), e.getKey(), event));
                published.merge(event.getEventType().name(), 1L, Long::sum);
            }
        }
        long liveOpenNotFound = live.latestGap.entrySet().stream()
                .filter(e -> e.getValue().getEventType() == GapEventType.OPENED && !shadow.latestGap.containsKey(e.getKey()))
                .count();
        int gapRecords = records.size();
        for (var e : shadow.latestRate.entrySet()) {
            GapRate rate = e.getValue();
            GapRate current = live.latestRate.get(e.getKey());
            if (current != null && sameCounts(current, rate)) {
                continue;
            }
            boolean wasAlerting = current != null && current.getAlerting();
            GapRateKind kind = rate.getAlerting() == wasAlerting ? GapRateKind.ROLLUP
                    : rate.getAlerting() ? GapRateKind.ALERT_RAISED : GapRateKind.ALERT_RESOLVED;
            GapRate copy = GapRate.newBuilder(rate).setKind(kind).setUpdatedAt(Instant.now()).build();
            records.add(new ProducerRecord<>(plan.liveTopics().gapRates(), e.getKey(), copy));
        }
        publish(plan, kafka, avro, records);
        long rows = applyLabels(plan, clickhouse, sink);
        return new Result(published, inState, neverOpen, liveOpenNotFound, records.size() - gapRecords, rows);
    }

    private static boolean sameCounts(GapRate a, GapRate b) {
        return a.getAlerting() == b.getAlerting() && a.getSubmittedTotal() == b.getSubmittedTotal()
                && a.getSubmittedMissing() == b.getSubmittedMissing() && a.getUnsubmittedTotal() == b.getUnsubmittedTotal()
                && a.getUnsubmittedMissing() == b.getUnsubmittedMissing() && a.getProcessTotal() == b.getProcessTotal()
                && a.getProcessMissing() == b.getProcessMissing();
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void publish(BackfillPlan plan, KafkaSettings kafka, AvroSerdes avro, List<ProducerRecord<Object, Object>> records) {
        if (records.isEmpty()) {
            return;
        }
        Map<String, Object> config = kafka.clientConfig();
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, plan.applicationId() + "-apply");
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        Serializer gapKeys = avro.forKeys(ScorecardGapKey.class).serializer();
        Serializer gapValues = avro.forValues(ScorecardGapEvent.class).serializer();
        Serializer rateKeys = avro.forKeys(GapRateKey.class).serializer();
        Serializer rateValues = avro.forValues(GapRate.class).serializer();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config,
                new org.apache.kafka.common.serialization.ByteArraySerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            producer.initTransactions();
            for (int i = 0; i < records.size(); i += CHUNK) {
                producer.beginTransaction();
                for (ProducerRecord<Object, Object> r : records.subList(i, Math.min(records.size(), i + CHUNK))) {
                    boolean gap = r.key() instanceof ScorecardGapKey;
                    byte[] key = (gap ? gapKeys : rateKeys).serialize(r.topic(), r.headers(), r.key());
                    byte[] value = (gap ? gapValues : rateValues).serialize(r.topic(), r.headers(), r.value());
                    producer.send(new ProducerRecord<>(r.topic(), null, key, value, r.headers()));
                }
                producer.commitTransaction();
            }
        }
    }

    /** Copies the window's shadow rows the real table lacks (or holds older and different); returns how many. */
    private static long applyLabels(BackfillPlan plan, ClickHouseSettings clickhouse, SinkSettings sink) {
        LabelTable live = new LabelTable(clickhouse.database(), plan.liveTable(), sink.layout());
        LabelTable shadow = new LabelTable(clickhouse.database(), plan.shadowTable(), sink.layout());
        try (LabelStore store = new LabelStore(clickhouse, live)) {
            store.ensureTable(sink.createTable());
            String select = labelsToApply(live, shadow, plan.window());
            long rows = Long.parseLong(store.query("SELECT count() FROM (" + select + ")").get(0)[0]);
            if (rows > 0) {
                store.execute("INSERT INTO " + live.qualifiedName() + " (" + LabelTable.columnList() + ") " + select);
            }
            return rows;
        }
    }

    /** ClickHouse condition: the row's conversation started in the window, of one of its customers. */
    static String inWindow(BackfillWindow window) {
        return "conversation_start_time >= toDateTime('" + CH_TIME.format(window.from()) + "', 'UTC')"
                + " AND conversation_start_time < toDateTime('" + CH_TIME.format(window.to()) + "', 'UTC')"
                + (window.customers().isEmpty() ? "" : " AND customer_id IN (" + window.customers().stream()
                        .map(c -> "'" + c.replace("\\", "\\\\").replace("'", "\\'") + "'").collect(Collectors.joining(", ")) + ")");
    }

    /** The shadow rows to copy (see the class comment), as one SELECT of {@link LabelTable#columnList()}. */
    static String labelsToApply(LabelTable live, LabelTable shadow, BackfillWindow window) {
        String inWindow = inWindow(window);
        String columns = LabelTable.columnList();
        return "SELECT " + columns + " FROM (SELECT " + columns + " FROM " + shadow.qualifiedName() + " FINAL WHERE " + inWindow + ")"
                + " ANY LEFT JOIN (SELECT customer_id, profile_id, conversation_id, version AS live_version, " + CONTENT
                + " AS live_content FROM " + live.qualifiedName() + " FINAL WHERE (customer_id, profile_id, conversation_id) IN"
                + " (SELECT customer_id, profile_id, conversation_id FROM " + shadow.qualifiedName() + " WHERE " + inWindow + "))"
                + " USING (customer_id, profile_id, conversation_id)"
                + " WHERE live_version < version AND (live_version = 0 OR live_content != " + CONTENT + ")";
    }
}
