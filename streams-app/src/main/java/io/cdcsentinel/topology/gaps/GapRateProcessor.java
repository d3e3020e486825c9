package io.cdcsentinel.topology.gaps;

import io.cdcsentinel.avro.BucketSize;
import io.cdcsentinel.avro.GapRate;
import io.cdcsentinel.avro.GapRateKey;
import io.cdcsentinel.avro.GapRateKind;
import io.cdcsentinel.avro.internal.gaps.RateBucketState;
import io.cdcsentinel.avro.internal.gaps.RateCounts;
import io.cdcsentinel.avro.internal.gaps.TenantDayKey;
import io.cdcsentinel.config.GapSettings;
import io.cdcsentinel.metrics.Meters;
import io.cdcsentinel.topology.DeadlineIndex;
import io.cdcsentinel.topology.EventTimeClock;
import io.cdcsentinel.topology.InputEnd;
import io.cdcsentinel.topology.TaskClockStore;
import io.cdcsentinel.topology.TaskGaugeStore;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Missing-rate roll-ups per tenant and UTC hour / day of scorecard creation, with a threshold alert.
 *
 * <p>Input: {@link RateCounts} from {@link ScorecardGapProcessor}, keyed by (tenant, creation day), so a
 * day bucket and its 24 hour buckets are owned by one task. Each is the signed sum of the contribution
 * changes of one creation hour in one scorecard task since its previous flush (a scorecard's old
 * contribution out, its new one in), added to the hour bucket and to its day bucket. They come out of
 * exactly-once state, so redelivered source changes never count twice and the counts stay exact without
 * keeping ids here.
 *
 * <p>Emission is throttled: a changed bucket is emitted {@link GapSettings#rateEmitInterval()} of event
 * time after its first unemitted change, with everything that changed meanwhile, so a batch hour of
 * 60,000 scorecards produces a handful of records. The alert condition (either class with at least
 * {@code min_volume} eligible scorecards and at least {@code threshold_pct} percent missing) is evaluated
 * at emission: the record where it becomes true is {@code ALERT_RAISED}, the one where it becomes false
 * again {@code ALERT_RESOLVED}, every other one {@code ROLLUP}; evaluating on the throttled values damps a
 * bucket hovering at the threshold. A bucket is dropped {@link GapSettings#rateRetention()} after its end;
 * later counts for it are ignored (counted in {@code expired-bucket-change}), never start a new bucket
 * with partial counts.
 */
public final class GapRateProcessor implements Processor<TenantDayKey, RateCounts, GapRateKey, GapRate> {
    public static final String BUCKET_STORE = "gaps-rate-buckets";
    public static final String TIMER_STORE = "gaps-rate-timers";
    /** The clock's last record ({@link TaskClockStore}), so that a restart resumes the wall-clock fallback. */
    public static final String CLOCK_STORE = "gaps-rate-clock";
    /** Alerting buckets per (customer, profile, size) of the task, for {@code sentinel_rate_buckets_alerting}. */
    public static final String ALERTING_COUNT_STORE = "gaps-rate-alerting-count";

    private final GapSettings settings;
    private final long emitIntervalMs;
    private final long retentionMs;
    private final Serializer<GapRateKey> keySerializer = GapSerdes.RATE_KEY.serializer();
    private final Deserializer<GapRateKey> keyDeserializer = GapSerdes.RATE_KEY.deserializer();

    private ProcessorContext<GapRateKey, GapRate> context;
    private KeyValueStore<GapRateKey, RateBucketState> buckets;
    private DeadlineIndex timers;
    private EventTimeClock clock;
    private InputEnd inputEnd;
    private String inputEndId;
    private TaskClockStore clockStore;
    private GapMetrics metrics;
    private TaskGaugeStore alertingBuckets;

    GapRateProcessor(GapSettings settings) {
        this.settings = settings;
        this.emitIntervalMs = settings.rateEmitInterval().toMillis();
        this.retentionMs = settings.rateRetention().toMillis();
    }

    static ProcessorSupplier<TenantDayKey, RateCounts, GapRateKey, GapRate> supplier(GapSettings settings) {
        StoreBuilder<KeyValueStore<GapRateKey, RateBucketState>> bucketStore = Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(BUCKET_STORE), GapSerdes.RATE_KEY, GapSerdes.BUCKET)
                .withCachingEnabled();
        StoreBuilder<?> timerStore = DeadlineIndex.storeBuilder(TIMER_STORE);
        StoreBuilder<?> clockStore = TaskClockStore.storeBuilder(CLOCK_STORE);
        StoreBuilder<?> alertingStore = TaskGaugeStore.storeBuilder(ALERTING_COUNT_STORE);
        return new ProcessorSupplier<>() {
            @Override
            public Processor<TenantDayKey, RateCounts, GapRateKey, GapRate> get() {
                return new GapRateProcessor(settings);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(bucketStore, timerStore, clockStore, alertingStore);
            }
        };
    }

    @Override
    public void init(ProcessorContext<GapRateKey, GapRate> context) {
        this.context = context;
        this.buckets = context.getStateStore(BUCKET_STORE);
        this.timers = new DeadlineIndex(context.getStateStore(TIMER_STORE));
        this.clock = new EventTimeClock(settings.clockIdleAfter(), settings.clockMaxLag());
        this.inputEnd = InputEnd.of(context);
        this.inputEndId = "gap rates " + context.taskId();
        inputEnd.register(inputEndId);
        clock.bound(inputEnd);
        // Issue 17: live before a restart, live after it: the roll-ups due during the downtime leave once the task
        // has been idle for gaps.clock.idle.after since the restart.
        this.clockStore = new TaskClockStore(context.getStateStore(CLOCK_STORE), settings.punctuationInterval().toMillis());
        clockStore.restore(clock, null, context.currentSystemTimeMs());
        this.metrics = new GapMetrics(context);
        this.alertingBuckets = new TaskGaugeStore(context.getStateStore(ALERTING_COUNT_STORE), Meters.RATE_BUCKETS_ALERTING,
                count -> {
                    try (KeyValueIterator<GapRateKey, RateBucketState> it = buckets.all()) {
                        it.forEachRemaining(kv -> {
                            if (kv.value.getAlerting()) {
                                count.accept(alertingTags(kv.key), 1);
                            }
                        });
                    }
                });
        // Stream time: emission points follow the event time of the counts, so a replay emits the same
        // roll-ups and raises the same alerts at the same points.
        context.schedule(settings.punctuationInterval(), PunctuationType.STREAM_TIME,
                streamTime -> fireDue(context.currentStreamTimeMs()));
        // Wall clock: when the counts stop (the last gap of a burst opened), the last changes of a bucket
        // must still be emitted; EventTimeClock moves past stream time only when live and idle.
        context.schedule(settings.punctuationInterval(), PunctuationType.WALL_CLOCK_TIME, wallClock -> {
            clock.observeStreamTime(context.currentStreamTimeMs());
            long now = clock.now(wallClock);
            fireDue(now);
            clockStore.save(clock, null, wallClock, true);
            inputEnd.report(inputEndId, timers.nextDeadline().orElse(Long.MAX_VALUE) <= now);
        });
    }

    @Override
    public void process(Record<TenantDayKey, RateCounts> record) {
        RateCounts counts = record.value();
        if (counts == null) {
            return;
        }
        long ts = record.timestamp();
        long wallClock = context.currentSystemTimeMs();
        clock.onRecord(ts, wallClock);
        clockStore.save(clock, null, wallClock, false);
        long now = Math.max(ts, context.currentStreamTimeMs());
        for (BucketSize size : BucketSize.values()) {
            apply(GapKeys.bucket(counts.getCustomer(), counts.getProfile(), counts.getHourStartMs(), size), counts, ts, now);
        }
    }

    private void apply(GapRateKey key, RateCounts counts, long ts, long now) {
        RateBucketState bucket = buckets.get(key);
        if (bucket == null) {
            if (GapKeys.end(key) + retentionMs <= now) {
                metrics.expiredBucketChange();
                return;
            }
            bucket = new RateBucketState(0L, 0L, 0L, 0L, 0L, 0L, false, false, null, ts);
        }
        bucket.setSubmittedTotal(bucket.getSubmittedTotal() + counts.getSubmittedTotal());
        bucket.setSubmittedMissing(bucket.getSubmittedMissing() + counts.getSubmittedMissing());
        bucket.setUnsubmittedTotal(bucket.getUnsubmittedTotal() + counts.getUnsubmittedTotal());
        bucket.setUnsubmittedMissing(bucket.getUnsubmittedMissing() + counts.getUnsubmittedMissing());
        bucket.setProcessTotal(bucket.getProcessTotal() + counts.getProcessTotal());
        bucket.setProcessMissing(bucket.getProcessMissing() + counts.getProcessMissing());
        bucket.setUpdatedAt(Math.max(bucket.getUpdatedAt(), ts));
        if (!bucket.getDirty()) {
            bucket.setDirty(true);
            reschedule(key, bucket, now + emitIntervalMs);
        }
        buckets.put(key, bucket);
    }

    private void reschedule(GapRateKey key, RateBucketState bucket, Long timer) {
        if (Objects.equals(timer, bucket.getTimerMs())) {
            return;
        }
        byte[] keyBytes = keySerializer.serialize(null, key);
        if (bucket.getTimerMs() != null) {
            timers.remove(bucket.getTimerMs(), keyBytes);
        }
        if (timer != null) {
            timers.add(timer, keyBytes);
        }
        bucket.setTimerMs(timer);
    }

    private void fireDue(long now) {
        if (now < 0) {
            return;
        }
        for (DeadlineIndex.Due due : timers.pollDue(now, settings.maxTimersPerPunctuation())) {
            GapRateKey key = keyDeserializer.deserialize(null, due.key());
            RateBucketState bucket = buckets.get(key);
            if (bucket == null || bucket.getTimerMs() == null || bucket.getTimerMs() != due.deadline()) {
                continue;
            }
            bucket.setTimerMs(null);
            if (!bucket.getDirty()) {
                buckets.delete(key);
                if (bucket.getAlerting()) {
                    alertingBuckets.add(alertingTags(key), -1);
                }
                continue;
            }
            emit(key, bucket, due.deadline());
            bucket.setDirty(false);
            reschedule(key, bucket, Math.max(GapKeys.end(key) + retentionMs, due.deadline() + 1));
            buckets.put(key, bucket);
        }
    }

    private void emit(GapRateKey key, RateBucketState bucket, long at) {
        double submittedPct = pct(bucket.getSubmittedMissing(), bucket.getSubmittedTotal());
        double unsubmittedPct = pct(bucket.getUnsubmittedMissing(), bucket.getUnsubmittedTotal());
        boolean alerting = breaches(bucket.getSubmittedTotal(), submittedPct) || breaches(bucket.getUnsubmittedTotal(), unsubmittedPct);
        GapRateKind kind = alerting == bucket.getAlerting() ? GapRateKind.ROLLUP
                : alerting ? GapRateKind.ALERT_RAISED : GapRateKind.ALERT_RESOLVED;
        bucket.setAlerting(alerting);
        String size = key.getBucketSize().name();
        Meters.MISSING_RATE.record(key.getCustomer(), key.getProfile(), size, key.getBucketStart().toEpochMilli(),
                submittedPct, unsubmittedPct);
        if (kind != GapRateKind.ROLLUP) {
            Meters.RATE_ALERTS.increment(key.getCustomer(), key.getProfile(), size, kind.name());
            alertingBuckets.add(alertingTags(key), alerting ? 1 : -1);
        }
        GapRate rate = GapRate.newBuilder()
                .setCustomer(key.getCustomer())
                .setProfile(key.getProfile())
                .setBucketStart(key.getBucketStart())
                .setBucketSize(key.getBucketSize())
                .setKind(kind)
                .setAlerting(alerting)
                .setSubmittedTotal(bucket.getSubmittedTotal())
                .setSubmittedMissing(bucket.getSubmittedMissing())
                .setSubmittedMissingPct(submittedPct)
                .setUnsubmittedTotal(bucket.getUnsubmittedTotal())
                .setUnsubmittedMissing(bucket.getUnsubmittedMissing())
                .setUnsubmittedMissingPct(unsubmittedPct)
                .setProcessTotal(bucket.getProcessTotal())
                .setProcessMissing(bucket.getProcessMissing())
                .setThresholdPct(settings.rateThresholdPct())
                .setMinVolume(settings.rateMinVolume())
                .setUpdatedAt(Instant.ofEpochMilli(bucket.getUpdatedAt()))
                .build();
        context.forward(new Record<>(key, rate, at));
    }

    private static List<String> alertingTags(GapRateKey key) {
        return List.of(key.getCustomer(), key.getProfile(), key.getBucketSize().name());
    }

    private boolean breaches(long total, double pct) {
        return total >= settings.rateMinVolume() && pct >= settings.rateThresholdPct();
    }

    private static double pct(long missing, long total) {
        return total <= 0 ? 0.0 : 100.0 * missing / total;
    }

    @Override
    public void close() {
        if (inputEnd != null) {
            inputEnd.unregister(inputEndId);
        }
        if (metrics != null) {
            metrics.close();
        }
        if (alertingBuckets != null) {
            alertingBuckets.close();
        }
    }
}
