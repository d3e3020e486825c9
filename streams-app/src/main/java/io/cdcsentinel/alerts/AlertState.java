package io.cdcsentinel.alerts;

import io.cdcsentinel.avro.GapEventType;
import io.cdcsentinel.avro.GapRate;
import io.cdcsentinel.avro.GapRateKey;
import io.cdcsentinel.avro.ScorecardGapEvent;
import io.cdcsentinel.avro.ScorecardGapKey;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The alert topics folded the way their compaction folds them: the latest record per key is the key's state, a
 * tombstone removes the key. So a scorecard's gap is open exactly when its latest event is {@code OPENED}
 * (a later {@code RESOLVED} or {@code WITHDRAWN} closes it), and a bucket alerts when its latest roll-up says
 * {@code alerting}, whatever the records before it said. Records must be applied in offset order per partition;
 * keys never move between partitions, so the order across partitions does not matter.
 */
public final class AlertState {
    static final Comparator<ScorecardGapEvent> GAP_ORDER = Comparator.comparing(ScorecardGapEvent::getCustomer)
            .thenComparing(ScorecardGapEvent::getProfile).thenComparing(ScorecardGapEvent::getCreatedAt)
            .thenComparing(ScorecardGapEvent::getScorecardId);
    static final Comparator<GapRate> RATE_ORDER = Comparator.comparing(GapRate::getCustomer).thenComparing(GapRate::getProfile)
            .thenComparing(GapRate::getBucketSize).thenComparing(GapRate::getBucketStart);

    private final Map<ScorecardGapKey, ScorecardGapEvent> latestGap = new HashMap<>();
    private final Map<GapRateKey, GapRate> latestRate = new HashMap<>();

    public void apply(AlertRecord record) {
        if (record instanceof AlertRecord.Gap gap) {
            if (gap.event() == null) {
                latestGap.remove(gap.key());
            } else {
                latestGap.put(gap.key(), gap.event());
            }
        } else if (record instanceof AlertRecord.Rate rate) {
            if (rate.rate() == null) {
                latestRate.remove(rate.key());
            } else {
                latestRate.put(rate.key(), rate.rate());
            }
        }
    }

    /** Scorecards whose latest event is OPENED, by customer, profile, creation time. */
    public List<ScorecardGapEvent> openGaps(AlertFilter filter) {
        return latestGap.entrySet().stream()
                .filter(e -> e.getValue().getEventType() == GapEventType.OPENED)
                .filter(e -> filter.matches(e.getKey().getCustomer(), e.getKey().getProfile()))
                .map(Map.Entry::getValue).sorted(GAP_ORDER).toList();
    }

    public List<ScorecardGapEvent> openGaps() {
        return openGaps(AlertFilter.ALL);
    }

    /** Scorecards whose latest event is of {@code type}. */
    public long count(GapEventType type) {
        return latestGap.values().stream().filter(e -> e.getEventType() == type).count();
    }

    /** The latest roll-up of each bucket (only those alerting unless {@code all}), by customer, profile, size, start. */
    public List<GapRate> rates(AlertFilter filter, boolean all) {
        return latestRate.entrySet().stream()
                .filter(e -> all || e.getValue().getAlerting())
                .filter(e -> filter.matches(e.getKey().getCustomer(), e.getKey().getProfile()))
                .map(Map.Entry::getValue).sorted(RATE_ORDER).toList();
    }

    public List<GapRate> alertingBuckets() {
        return rates(AlertFilter.ALL, false);
    }

    /** Buckets with a roll-up. */
    public int buckets() {
        return latestRate.size();
    }

    /** Scorecards with a gap event (of any type). */
    public int scorecards() {
        return latestGap.size();
    }
}
