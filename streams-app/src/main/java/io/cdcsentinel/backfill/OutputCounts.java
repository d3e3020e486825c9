package io.cdcsentinel.backfill;

import io.cdcsentinel.avro.ConversationLabel;
import io.cdcsentinel.avro.ConversationLabelKey;
import io.cdcsentinel.avro.GapEventType;
import io.cdcsentinel.avro.GapRate;
import io.cdcsentinel.avro.GapRateKey;
import io.cdcsentinel.avro.ScorecardGapEvent;
import io.cdcsentinel.avro.ScorecardGapKey;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.kafka.TopicScan;
import io.cdcsentinel.topology.AvroSerdes;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a set of output topics (the backfill's shadow topics, or the live ones) says about one window: the gap events
 * of the window's scorecards (by {@code created_at}) per customer and type, the latest event per scorecard, the latest
 * roll-up per bucket starting in the window, and the labels of the window's conversations (by {@code started_at},
 * the chat's {@code created_at}) per customer and kind. The topics hold more than the window (a replay of the
 * retained topics covers all of them; a re-snapshot brings the conversations the window's scorecards refer to): only
 * what lies in the window is kept.
 */
final class OutputCounts {
    /** customer -> event type / label kind -> count. */
    final Map<String, Map<String, Long>> gapEvents = new TreeMap<>();
    final Map<String, Map<String, Long>> labels = new TreeMap<>();
    final Map<ScorecardGapKey, ScorecardGapEvent> latestGap = new HashMap<>();
    final Map<GapRateKey, GapRate> latestRate = new HashMap<>();
    long undecodable;

    static OutputCounts read(KafkaSettings kafka, TopicNames topics, AvroSerdes avro, BackfillWindow window, boolean withLabels) {
        OutputCounts c = new OutputCounts();
        TopicScan scan = new TopicScan();
        scan.scan(kafka, topics.gaps(), avro.forKeys(ScorecardGapKey.class).deserializer(),
                avro.forValues(ScorecardGapEvent.class).deserializer(), (key, event) -> {
                    if (event == null) {
                        c.latestGap.remove(key); // settled and compacted away: no state
                        return;
                    }
                    if (!window.contains(event.getCreatedAt()) || !window.coversCustomer(key.getCustomer())) {
                        return;
                    }
                    c.latestGap.put(key, event);
                    count(c.gapEvents, key.getCustomer(), event.getEventType().name());
                });
        scan.scan(kafka, topics.gapRates(), avro.forKeys(GapRateKey.class).deserializer(),
                avro.forValues(GapRate.class).deserializer(), (key, rate) -> {
                    if (rate == null) {
                        c.latestRate.remove(key);
                    } else if (window.contains(key.getBucketStart()) && window.coversCustomer(key.getCustomer())) {
                        c.latestRate.put(key, rate);
                    }
                });
        if (withLabels) {
            scan.scan(kafka, topics.labels(), avro.forKeys(ConversationLabelKey.class).deserializer(),
                    avro.forValues(ConversationLabel.class).deserializer(), (key, label) -> {
                        if (label != null && window.contains(label.getStartedAt()) && window.coversCustomer(key.getCustomerId())) {
                            count(c.labels, key.getCustomerId(), label.getKind().name());
                        }
                    });
        }
        c.undecodable = scan.undecodable();
        return c;
    }

    /** customer -> gaps whose latest event is OPENED. */
    Map<String, Long> openPerCustomer() {
        Map<String, Long> open = new TreeMap<>();
        latestGap.forEach((k, e) -> {
            if (e.getEventType() == GapEventType.OPENED) {
                open.merge(k.getCustomer(), 1L, Long::sum);
            }
        });
        return open;
    }

    long alertingBuckets() {
        return latestRate.values().stream().filter(GapRate::getAlerting).count();
    }

    private static void count(Map<String, Map<String, Long>> counts, String customer, String kind) {
        counts.computeIfAbsent(customer, k -> new TreeMap<>()).merge(kind, 1L, Long::sum);
    }
}
