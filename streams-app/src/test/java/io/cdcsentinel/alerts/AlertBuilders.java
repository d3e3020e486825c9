package io.cdcsentinel.alerts;

import io.cdcsentinel.avro.BucketSize;
import io.cdcsentinel.avro.DecisionClock;
import io.cdcsentinel.avro.GapEventType;
import io.cdcsentinel.avro.GapRate;
import io.cdcsentinel.avro.GapRateKey;
import io.cdcsentinel.avro.GapRateKind;
import io.cdcsentinel.avro.GapStage;
import io.cdcsentinel.avro.ScorecardGapEvent;
import io.cdcsentinel.avro.ScorecardGapKey;
import java.time.Instant;

/** Small builders for alert records: {@code gap("acme", "p1", "sc-1").created(t).event(OPENED)}. */
public final class AlertBuilders {
    public static final Instant T0 = Instant.parse("2026-12-07T05:00:00Z");
    private static long offset;

    private AlertBuilders() {
    }

    public static ScorecardGapEvent.Builder gap(String customer, String profile, String scorecard) {
        return ScorecardGapEvent.newBuilder().setEventType(GapEventType.OPENED).setCustomer(customer).setProfile(profile)
                .setScorecardId(scorecard).setTemplateId("tpl-1").setConversationId("conv-" + scorecard)
                .setProcessScorecard(false).setConversationExists(true).setConversationEnded(true).setScorecardType(null)
                .setCalibratedScorecardId(null).setDeleted(false).setCreatedAt(T0).setSubmittedAt(T0.plusSeconds(60))
                .setDirectorScoreCount(3).setHistoricRowCount(0).setStage(GapStage.AFTER_CREATE)
                .setDetectedAt(T0.plusSeconds(300)).setDecidedAt(T0.plusSeconds(300)).setClock(DecisionClock.STREAM_TIME)
                .setSourceLsn(1234L).setSourceTsMs(T0.toEpochMilli());
    }

    public static GapRate.Builder rate(String customer, String profile, Instant bucket, BucketSize size) {
        return GapRate.newBuilder().setCustomer(customer).setProfile(profile).setBucketStart(bucket).setBucketSize(size)
                .setKind(GapRateKind.ROLLUP).setAlerting(false).setSubmittedTotal(40).setSubmittedMissing(0)
                .setSubmittedMissingPct(0).setUnsubmittedTotal(10).setUnsubmittedMissing(0).setUnsubmittedMissingPct(0)
                .setProcessTotal(2).setProcessMissing(0).setThresholdPct(5).setMinVolume(20)
                .setUpdatedAt(bucket.plusSeconds(600));
    }

    public static GapRate alerting(GapRate.Builder rate, GapRateKind kind, long submittedMissing) {
        return rate.setKind(kind).setAlerting(kind != GapRateKind.ALERT_RESOLVED).setSubmittedMissing(submittedMissing)
                .setSubmittedMissingPct(100.0 * submittedMissing / rate.getSubmittedTotal()).build();
    }

    public static AlertRecord.Gap record(ScorecardGapEvent event) {
        return new AlertRecord.Gap(key(event), event, position("gaps"));
    }

    public static AlertRecord.Gap tombstone(ScorecardGapKey key) {
        return new AlertRecord.Gap(key, null, position("gaps"));
    }

    public static AlertRecord.Rate record(GapRate rate) {
        return new AlertRecord.Rate(key(rate), rate, position("rates"));
    }

    public static ScorecardGapKey key(ScorecardGapEvent event) {
        return new ScorecardGapKey(event.getCustomer(), event.getProfile(), event.getScorecardId());
    }

    public static GapRateKey key(GapRate rate) {
        return new GapRateKey(rate.getCustomer(), rate.getProfile(), rate.getBucketStart(), rate.getBucketSize());
    }

    private static synchronized AlertRecord.Position position(String topic) {
        return new AlertRecord.Position(topic, 0, offset++);
    }
}
