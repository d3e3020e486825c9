package io.cdcsentinel.topology.gaps;

import io.cdcsentinel.avro.BucketSize;
import io.cdcsentinel.avro.DecisionClock;
import io.cdcsentinel.avro.GapEventType;
import io.cdcsentinel.avro.GapRateKey;
import io.cdcsentinel.avro.GapStage;
import io.cdcsentinel.avro.ScorecardGapEvent;
import io.cdcsentinel.avro.ScorecardGapKey;
import io.cdcsentinel.avro.internal.gaps.ConversationKey;
import io.cdcsentinel.avro.internal.gaps.GapInput;
import io.cdcsentinel.avro.internal.gaps.GapStatus;
import io.cdcsentinel.avro.internal.gaps.GapTransition;
import io.cdcsentinel.avro.internal.gaps.HistoricLink;
import io.cdcsentinel.avro.internal.gaps.RateContribution;
import io.cdcsentinel.avro.internal.gaps.RateCounts;
import io.cdcsentinel.avro.internal.gaps.ScoreLink;
import io.cdcsentinel.avro.internal.gaps.ScorecardChange;
import io.cdcsentinel.avro.internal.gaps.ScorecardFacts;
import io.cdcsentinel.avro.internal.gaps.ScorecardGapState;
import io.cdcsentinel.config.GapSettings;
import io.cdcsentinel.metrics.Meters;
import io.cdcsentinel.topology.DeadlineIndex;
import io.cdcsentinel.topology.EventTimeClock;
import io.cdcsentinel.topology.InputEnd;
import io.cdcsentinel.topology.TaskClockStore;
import io.cdcsentinel.topology.TaskGaugeStore;
import io.cdcsentinel.topology.UpstreamWatermark;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-scorecard state machine of the historic-gap rule. Input: every change of a scorecard, of its
 * {@code director.scores} rows and of its {@code historic.scorecard_scores} rows, all keyed by
 * (customer, profile, scorecard id). Output: gap transitions and roll-up counts ({@link GapOutput}).
 *
 * <h2>Why the Processor API</h2>
 * The rule needs timers (a grace period that expires with no input), a state that outlives any window and
 * ends by a decision (withdrawn, resolved) rather than by time alone, and one event per transition. The
 * DSL's windowed aggregations and suppression cannot express that; a processor over a key-value store
 * with a {@link DeadlineIndex} can, in a few lines per rule.
 *
 * <h2>States</h2>
 * <pre>
 *   STUB ──scorecard row──► PENDING ──grace expires, no historic row──► OPEN ──historic row──► PRESENT (RESOLVED)
 *                            │  └─first submission: stage AFTER_SUBMIT, grace again     └─not eligible──► INELIGIBLE (WITHDRAWN)
 *                            ├─historic row──► PRESENT ──all historic rows deleted──► PENDING
 *                            └─not eligible──► INELIGIBLE ──eligible again──► PENDING
 *   first seen long after creation (not in a snapshot) ──► IGNORED
 * </pre>
 * Counts are sets of row ids (score ids, historic criterion ids), so a change delivered twice (Debezium
 * is at-least-once across a connector crash) is applied once. One event per transition: OPENED only from
 * PENDING, RESOLVED/WITHDRAWN only from OPEN.
 *
 * <h2>Time</h2>
 * The grace period runs from the commit of the change that started it (the scorecard's insert, its first
 * submission, the snapshot read of the row, the change that made it eligible again): {@code max(created_at,
 * commit time) + grace}. For a streamed insert that is its creation; for a snapshot row it is the snapshot
 * read, which gives the historic rows (snapshotted earlier, but through other partitions and a
 * repartition topic) a full grace period of stream time to arrive, so the snapshot of a healthy database
 * raises nothing. Deadlines are decided by whichever comes first:
 * <ul>
 *   <li>a change of the same scorecard committed after the deadline: the deadline is decided before the
 *       change is applied, so the outcome depends only on commit timestamps, never on when a punctuation
 *       happened to run;</li>
 *   <li>the first record of any scorecard after which the upstream watermark ({@link UpstreamWatermark}:
 *       stream time as far as every upstream task has got) has passed the deadline, so that a fast upstream
 *       task cannot pass a deadline while a slower one still holds a row committed before it;</li>
 *   <li>the wall-clock punctuator, through {@link EventTimeClock}: only when the task is live and idle.</li>
 * </ul>
 * An OPENED event's {@code detected_at} is the deadline itself, whoever decided it, so a replay reproduces
 * it exactly. What a replay does not always reproduce: the order in which a scorecard's own rows from
 * different source partitions reach this task. A backfilled historic row that arrived after the gap opened
 * live can arrive before the scorecard row on a replay; the scorecard is then present from its first sight
 * and the replay has no OPENED/RESOLVED pair where the live run had one. The open alerts are the same.
 *
 * <h2>Roll-up counts</h2>
 * An eligible scorecard counts in the roll-ups of its creation hour (total, missing when OPEN, per class);
 * when that contribution changes, the old one is taken out and the new one put in. These signed changes are
 * summed per (tenant, creation hour) in {@link #PENDING_RATES_STORE}, a cached and changelogged store of the
 * task, and the sums leave for {@link GapRateProcessor} with the first record after each
 * {@code gaps.punctuation.interval} of stream time, and at each wall-clock punctuation: a batch of thousands
 * of scorecards of one hour becomes one record per interval instead of one per scorecard. The sums are task
 * state, written with the outputs and the input offsets in one transaction, so none is lost or counted
 * twice.
 *
 * <h2>Bounded state</h2>
 * A settled scorecard (PRESENT, INELIGIBLE, IGNORED) is dropped at {@code max(settled, created_at +
 * retention)} (if it ever had an event: {@code settled + retention}, and its key is then deleted from the
 * compacted gap topic with a tombstone); a STUB whose scorecard row never came, {@code retention} after it
 * was first seen. Open gaps are kept until resolved or withdrawn: they are the alert set. A scorecard row
 * seen for the first time {@code retention} or more after its {@code created_at} (outside a snapshot) can be
 * one that was dropped, or one whose earlier changes the topology never saw: its historic rows cannot be
 * known, so it is IGNORED (never alerted, never counted in the roll-ups) and counted in the
 * {@code late-scorecard-ignored} metric. Snapshot rows are exempt: a snapshot is the whole table, with the
 * historic rows before the scorecards.
 */
public final class ScorecardGapProcessor implements Processor<ScorecardGapKey, GapInput, ScorecardGapKey, GapOutput> {
    public static final String STATE_STORE = "gaps-scorecard-state";
    public static final String TIMER_STORE = "gaps-scorecard-timers";
    public static final String PENDING_RATES_STORE = "gaps-rate-pending";
    /** The clock's last record and the upstream positions ({@link TaskClockStore}), so a restart resumes them. */
    public static final String CLOCK_STORE = "gaps-scorecard-clock";
    /** Open gaps per (customer, profile) of the task ({@link TaskGaugeStore}), for the {@code sentinel_gaps_open} gauge. */
    public static final String OPEN_COUNT_STORE = "gaps-open-count";

    private static final Logger LOG = LoggerFactory.getLogger(ScorecardGapProcessor.class);

    private final GapSettings settings;
    private final long graceMs;
    private final long retentionMs;
    private final long punctuationMs;
    private final Serializer<ScorecardGapKey> keySerializer = GapSerdes.SCORECARD_KEY.serializer();
    private final Deserializer<ScorecardGapKey> keyDeserializer = GapSerdes.SCORECARD_KEY.deserializer();

    private ProcessorContext<ScorecardGapKey, GapOutput> context;
    private KeyValueStore<ScorecardGapKey, ScorecardGapState> states;
    private DeadlineIndex timers;
    private KeyValueStore<GapRateKey, RateCounts> pendingRates;
    /** Whether {@link #pendingRates} may hold sums: true after a restart, which may have restored some. */
    private boolean ratesPending = true;
    /** Stream time at which the pending sums leave with the record being processed. */
    private long nextRatesFlush = Long.MIN_VALUE;
    private EventTimeClock clock;
    private InputEnd inputEnd;
    private String inputEndId;
    private UpstreamWatermark watermark;
    private TaskClockStore clockStore;
    private GapMetrics metrics;
    private TaskGaugeStore openGaps;
    /** A lower bound of the earliest deadline in the timer index, so most records skip the index scan. */
    private long nextDue;

    ScorecardGapProcessor(GapSettings settings) {
        this.settings = settings;
        this.graceMs = settings.grace().toMillis();
        this.retentionMs = settings.settledRetention().toMillis();
        this.punctuationMs = settings.punctuationInterval().toMillis();
    }

    static ProcessorSupplier<ScorecardGapKey, GapInput, ScorecardGapKey, GapOutput> supplier(GapSettings settings) {
        StoreBuilder<KeyValueStore<ScorecardGapKey, ScorecardGapState>> stateStore = Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(STATE_STORE), GapSerdes.SCORECARD_KEY, GapSerdes.STATE)
                // a scorecard and its scores usually change together: the cache folds them into one write
                .withCachingEnabled();
        StoreBuilder<?> timerStore = DeadlineIndex.storeBuilder(TIMER_STORE);
        // a few keys (tenant x creation hour) written on every contribution change and emptied at each
        // flush: the cache turns that into a few changelog records per commit
        StoreBuilder<KeyValueStore<GapRateKey, RateCounts>> pendingStore = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(PENDING_RATES_STORE), GapSerdes.RATE_KEY, GapSerdes.RATE_COUNTS)
                .withCachingEnabled();
        StoreBuilder<?> clockStore = TaskClockStore.storeBuilder(CLOCK_STORE);
        StoreBuilder<?> openCountStore = TaskGaugeStore.storeBuilder(OPEN_COUNT_STORE);
        return new ProcessorSupplier<>() {
            @Override
            public Processor<ScorecardGapKey, GapInput, ScorecardGapKey, GapOutput> get() {
                return new ScorecardGapProcessor(settings);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(stateStore, timerStore, pendingStore, clockStore, openCountStore);
            }
        };
    }

    @Override
    public void init(ProcessorContext<ScorecardGapKey, GapOutput> context) {
        this.context = context;
        this.states = context.getStateStore(STATE_STORE);
        this.timers = new DeadlineIndex(context.getStateStore(TIMER_STORE));
        this.pendingRates = context.getStateStore(PENDING_RATES_STORE);
        this.clock = new EventTimeClock(settings.clockIdleAfter(), settings.clockMaxLag());
        this.inputEnd = InputEnd.of(context);
        this.inputEndId = "scorecard gaps " + context.taskId();
        inputEnd.register(inputEndId);
        clock.bound(inputEnd);
        this.watermark = new UpstreamWatermark(settings.clockMaxSkew().toMillis());
        // Issue 17: a task that was live before a restart is live after it, so the grace periods that expired
        // during the downtime open their gaps within gaps.clock.idle.after of the restart, with no new change.
        this.clockStore = new TaskClockStore(context.getStateStore(CLOCK_STORE), punctuationMs);
        clockStore.restore(clock, watermark, context.currentSystemTimeMs());
        this.metrics = new GapMetrics(context);
        this.openGaps = new TaskGaugeStore(context.getStateStore(OPEN_COUNT_STORE), Meters.GAPS_OPEN, count -> {
            try (KeyValueIterator<ScorecardGapKey, ScorecardGapState> it = states.all()) {
                it.forEachRemaining(kv -> {
                    if (kv.value.getStatus() == GapStatus.OPEN) {
                        count.accept(List.of(kv.key.getCustomer(), kv.key.getProfile()), 1);
                    }
                });
            }
        });
        this.nextDue = timers.nextDeadline().orElse(Long.MAX_VALUE);
        // No stream-time punctuator: while records flow, every record checks the timers against the
        // upstream watermark of stream time (see process), which decides each deadline at the first record
        // that carries the watermark past it, whatever the punctuation interval.
        // Wall clock: stream time stands still when the sources go quiet, and a live monitor must still
        // raise a gap when its grace expires. EventTimeClock advances past stream time only when the last
        // record was live and the task has been idle; otherwise this punctuator only catches up with the
        // watermark (a slow upstream task that delivered its older records without moving stream time, or
        // a backlog larger than one batch of timers).
        context.schedule(settings.punctuationInterval(), PunctuationType.WALL_CLOCK_TIME, wallClock -> {
            long streamTime = context.currentStreamTimeMs();
            clock.observeStreamTime(streamTime);
            boolean wallClockDriven = clock.isWallClockDriven(wallClock);
            long now = wallClockDriven ? clock.now(wallClock) : watermark.at(streamTime);
            fireDue(now);
            // Counts decided on the wall clock leave at that time, not at the (possibly long past) deadline they
            // were decided for: the roll-up task judges liveness from its records' times, and one that received
            // only old times after a restart would wait for the next change to emit them.
            flushRates(wallClockDriven ? now : Long.MIN_VALUE);
            clockStore.save(clock, watermark, wallClock, true);
            inputEnd.report(inputEndId, nextDue <= now);
        });
    }

    @Override
    public void process(Record<ScorecardGapKey, GapInput> record) {
        ScorecardGapKey key = record.key();
        GapInput input = record.value();
        if (key == null || input == null) {
            return;
        }
        long ts = record.timestamp();
        long wallClock = context.currentSystemTimeMs();
        clock.onRecord(ts, wallClock);
        watermark.observe(input.getSourcePartition(), ts);
        clockStore.save(clock, watermark, wallClock, false);
        ScorecardGapState state = states.get(key);
        if (state == null) {
            state = stub(ts);
        }
        if (state.getStatus() == GapStatus.PENDING && state.getDeadlineMs() < ts) {
            open(key, state, state.getDeadlineMs(), DecisionClock.STREAM_TIME);
        }
        apply(state, input, ts);
        evaluate(key, state, ts);
        persist(key, state, ts);
        long streamTime = context.currentStreamTimeMs();
        long now = watermark.at(streamTime);
        if (nextDue <= now) {
            fireDue(now);
        }
        // Inline rather than in a stream-time punctuator: the sums leave at the same records on a replay, and
        // with the changes of the record that moved stream time (a batch of gaps it opened included).
        if (ratesPending && streamTime >= nextRatesFlush) {
            flushRates(Long.MIN_VALUE);
            nextRatesFlush = streamTime + punctuationMs;
        }
    }

    private static ScorecardGapState stub(long ts) {
        ScorecardGapState state = new ScorecardGapState();
        state.setStatus(GapStatus.STUB);
        state.setHardDeleted(false);
        state.setScoreIds(new ArrayList<>(4));
        state.setHistoricCriteria(new ArrayList<>(4));
        state.setFirstSeenMs(ts);
        state.setSubmissionSeen(false);
        state.setEventsEmitted(0);
        return state;
    }

    private void apply(ScorecardGapState state, GapInput input, long ts) {
        state.setSourceLsn(input.getSourceLsn());
        state.setSourceTsMs(input.getSourceTsMs());
        Object change = input.getChange();
        if (change instanceof ScorecardChange scorecard) {
            if (scorecard.getDeleted()) {
                state.setHardDeleted(true);
                if (scorecard.getFacts() != null) {
                    state.setFacts(scorecard.getFacts());
                }
                return;
            }
            boolean firstSight = state.getFacts() == null;
            state.setFacts(scorecard.getFacts());
            state.setHardDeleted(false);
            if (firstSight && !input.getSnapshot() && createdMs(state) + retentionMs <= ts
                    && state.getStatus() == GapStatus.STUB) {
                metrics.lateScorecardIgnored();
                LOG.debug("scorecard first seen {} ms after its creation (retention {} ms): ignored",
                        ts - createdMs(state), retentionMs);
                settle(state, GapStatus.IGNORED, ts);
            }
        } else if (change instanceof ScoreLink score) {
            setMember(state.getScoreIds(), score.getScoreId(), score.getPresent());
        } else if (change instanceof HistoricLink historic) {
            setMember(state.getHistoricCriteria(), historic.getCriterionId(), historic.getPresent());
        }
    }

    private static void setMember(List<String> set, String member, boolean present) {
        if (present) {
            if (!set.contains(member)) {
                set.add(member);
            }
        } else {
            int index = set.indexOf(member);
            if (index >= 0) {
                set.remove(index);
            }
        }
    }

    /** Applies the gap rule to the state after a change committed at {@code ts}. */
    private void evaluate(ScorecardGapKey key, ScorecardGapState state, long ts) {
        GapStatus status = state.getStatus();
        if (status == GapStatus.IGNORED || state.getFacts() == null) {
            // IGNORED stays so until dropped; without its row (STUB, or a key-only delete seen first) the
            // scorecard cannot be judged.
            if (state.getFacts() == null && state.getHardDeleted() && status == GapStatus.STUB) {
                settle(state, GapStatus.INELIGIBLE, ts);
            }
            return;
        }
        ScorecardFacts facts = state.getFacts();
        String reason = GapRules.ineligibility(facts, state.getHardDeleted());
        boolean submitted = facts.getSubmittedAt() != null;
        if (reason != null) {
            if (status == GapStatus.OPEN) {
                emit(key, state, GapEventType.WITHDRAWN, ts, DecisionClock.CHANGE, reason);
            }
            if (status != GapStatus.INELIGIBLE) {
                settle(state, GapStatus.INELIGIBLE, ts);
            }
        } else if (!state.getHistoricCriteria().isEmpty()) {
            if (status == GapStatus.OPEN) {
                emit(key, state, GapEventType.RESOLVED, ts, DecisionClock.CHANGE, null);
            }
            if (status != GapStatus.PRESENT) {
                settle(state, GapStatus.PRESENT, ts);
            }
        } else {
            switch (status) {
                case STUB, INELIGIBLE, PRESENT -> {
                    // first sight, eligible again, or every historic row deleted: a grace period starts now
                    long anchor = Math.max(ts, createdMs(state));
                    if (submitted) {
                        anchor = Math.max(anchor, GapKeys.microsToMillis(facts.getSubmittedAt()));
                    }
                    pending(state, submitted ? GapStage.AFTER_SUBMIT : GapStage.AFTER_CREATE, anchor + graceMs);
                }
                case PENDING -> {
                    if (submitted && !state.getSubmissionSeen()) {
                        // The first submission skips the historic write, trusting the creation's write;
                        // if that one is still pending it gets a grace period from the submission.
                        long anchor = Math.max(ts, GapKeys.microsToMillis(facts.getSubmittedAt()));
                        pending(state, GapStage.AFTER_SUBMIT, Math.max(state.getDeadlineMs(), anchor + graceMs));
                    }
                }
                default -> {
                    // OPEN stays open: one event per transition, a submission does not reopen it
                }
            }
        }
        if (submitted) {
            state.setSubmissionSeen(true);
        }
        updateContribution(key, state, ts);
    }

    private static void pending(ScorecardGapState state, GapStage stage, long deadline) {
        state.setStatus(GapStatus.PENDING);
        state.setStage(stage);
        state.setDeadlineMs(deadline);
        state.setDetectedMs(null);
        state.setSettledMs(null);
    }

    private static void settle(ScorecardGapState state, GapStatus status, long ts) {
        state.setStatus(status);
        state.setSettledMs(ts);
        state.setDeadlineMs(null);
        state.setDetectedMs(null);
        state.setStage(null);
    }

    private void open(ScorecardGapKey key, ScorecardGapState state, long deadline, DecisionClock decidedBy) {
        state.setStatus(GapStatus.OPEN);
        state.setDetectedMs(deadline);
        state.setDeadlineMs(null);
        state.setSettledMs(null);
        emit(key, state, GapEventType.OPENED, deadline, decidedBy, null);
        updateContribution(key, state, deadline);
    }

    private void emit(ScorecardGapKey key, ScorecardGapState state, GapEventType type, long decidedAt,
            DecisionClock decidedBy, String withdrawReason) {
        ScorecardFacts facts = state.getFacts();
        if (state.getRoutingConversation() == null) {
            String conversation = GapRules.conversationId(facts);
            state.setRoutingConversation(conversation == null ? "" : conversation);
        }
        long detected = state.getDetectedMs();
        ScorecardGapEvent event = ScorecardGapEvent.newBuilder()
                .setEventType(type)
                .setCustomer(key.getCustomer())
                .setProfile(key.getProfile())
                .setScorecardId(key.getScorecardId())
                .setTemplateId(facts.getTemplateId())
                .setConversationId(GapRules.conversationId(facts))
                .setProcessScorecard(GapRules.isProcessScorecard(facts))
                .setConversationExists(false)
                .setConversationEnded(false)
                .setScorecardType(facts.getScorecardType())
                .setCalibratedScorecardId(facts.getCalibratedScorecardId())
                .setDeleted(state.getHardDeleted() || facts.getDeletedAt() != null)
                .setCreatedAt(micros(facts.getCreatedAt() != null ? facts.getCreatedAt() : state.getFirstSeenMs() * 1000L))
                .setSubmittedAt(facts.getSubmittedAt() == null ? null : micros(facts.getSubmittedAt()))
                .setDirectorScoreCount(state.getScoreIds().size())
                .setHistoricRowCount(state.getHistoricCriteria().size())
                .setStage(state.getStage() != null ? state.getStage() : GapStage.AFTER_CREATE)
                .setDetectedAt(Instant.ofEpochMilli(detected))
                .setDecidedAt(Instant.ofEpochMilli(decidedAt))
                .setOpenMillis(type == GapEventType.OPENED ? null : Math.max(0L, decidedAt - detected))
                .setWithdrawReason(withdrawReason)
                .setClock(decidedBy)
                .setSourceLsn(state.getSourceLsn())
                .setSourceTsMs(state.getSourceTsMs())
                .build();
        state.setEventsEmitted(state.getEventsEmitted() + 1);
        forwardTransition(key, state, event, decidedAt);
        Meters.GAP_EVENTS.increment(key.getCustomer(), key.getProfile(), type.name());
        openGaps.add(List.of(key.getCustomer(), key.getProfile()), type == GapEventType.OPENED ? 1 : -1);
    }

    private void forwardTransition(ScorecardGapKey key, ScorecardGapState state, ScorecardGapEvent event, long timestamp) {
        ConversationKey routing = new ConversationKey(key.getCustomer(), key.getProfile(), state.getRoutingConversation());
        GapTransition transition = new GapTransition(key.getCustomer(), key.getProfile(), key.getScorecardId(), event);
        context.forward(new Record<>(key, new GapOutput.Transition(routing, transition), timestamp));
    }

    /** Sends the change of this scorecard's roll-up contribution, if any, keyed by its creation day. */
    private void updateContribution(ScorecardGapKey key, ScorecardGapState state, long ts) {
        RateContribution next = null;
        GapStatus status = state.getStatus();
        if (status == GapStatus.PENDING || status == GapStatus.PRESENT || status == GapStatus.OPEN) {
            ScorecardFacts facts = state.getFacts();
            next = new RateContribution(createdMs(state), facts.getSubmittedAt() != null, status == GapStatus.OPEN,
                    GapRules.isProcessScorecard(facts));
        }
        RateContribution previous = state.getContribution();
        if (Objects.equals(previous, next)) {
            return;
        }
        state.setContribution(next);
        if (previous != null) {
            count(key, previous, -1, ts);
        }
        if (next != null) {
            count(key, next, +1, ts);
        }
    }

    /** Adds {@code sign} times a contribution to the pending sums of its tenant and creation hour. */
    private void count(ScorecardGapKey key, RateContribution contribution, int sign, long ts) {
        GapRateKey hour = GapKeys.bucket(key.getCustomer(), key.getProfile(), contribution.getCreatedMs(), BucketSize.HOUR);
        RateCounts counts = pendingRates.get(hour);
        if (counts == null) {
            counts = new RateCounts(key.getCustomer(), key.getProfile(), hour.getBucketStart().toEpochMilli(),
                    0L, 0L, 0L, 0L, 0L, 0L, ts);
        }
        int missing = contribution.getMissing() ? sign : 0;
        if (contribution.getSubmitted()) {
            counts.setSubmittedTotal(counts.getSubmittedTotal() + sign);
            counts.setSubmittedMissing(counts.getSubmittedMissing() + missing);
        } else {
            counts.setUnsubmittedTotal(counts.getUnsubmittedTotal() + sign);
            counts.setUnsubmittedMissing(counts.getUnsubmittedMissing() + missing);
        }
        if (contribution.getProcess()) {
            counts.setProcessTotal(counts.getProcessTotal() + sign);
            counts.setProcessMissing(counts.getProcessMissing() + missing);
        }
        counts.setUpdatedAt(Math.max(counts.getUpdatedAt(), ts));
        pendingRates.put(hour, counts);
        ratesPending = true;
    }

    /** Sends the pending roll-up sums, each with the event time of its latest change, and empties them. */
    /** Sends the summed roll-up changes, each at its latest change's time but not before {@code notBefore}. */
    private void flushRates(long notBefore) {
        if (!ratesPending) {
            return;
        }
        List<KeyValue<GapRateKey, RateCounts>> pending = new ArrayList<>();
        try (KeyValueIterator<GapRateKey, RateCounts> it = pendingRates.all()) {
            it.forEachRemaining(pending::add);
        }
        for (KeyValue<GapRateKey, RateCounts> entry : pending) {
            pendingRates.delete(entry.key);
            RateCounts counts = entry.value;
            if (counts.getSubmittedTotal() != 0 || counts.getSubmittedMissing() != 0 || counts.getUnsubmittedTotal() != 0
                    || counts.getUnsubmittedMissing() != 0 || counts.getProcessTotal() != 0 || counts.getProcessMissing() != 0) {
                // no scorecard key: the roll-ups are re-keyed by tenant and day right after
                context.forward(new Record<>(null, new GapOutput.Counts(
                        GapKeys.day(counts.getCustomer(), counts.getProfile(), counts.getHourStartMs()), counts),
                        Math.max(counts.getUpdatedAt(), notBefore)));
            }
        }
        ratesPending = false;
    }

    /** Stores the state and keeps its one timer-index entry in line with it; drops it once due. */
    private void persist(ScorecardGapKey key, ScorecardGapState state, long now) {
        Long timer = switch (state.getStatus()) {
            case PENDING -> state.getDeadlineMs();
            case OPEN -> null;
            case STUB -> state.getFirstSeenMs() + retentionMs;
            case PRESENT, INELIGIBLE, IGNORED -> dropAt(state);
        };
        boolean droppable = state.getStatus() != GapStatus.PENDING && state.getStatus() != GapStatus.OPEN;
        if (droppable && timer != null && timer <= now) {
            drop(key, state, now);
            return;
        }
        if (!Objects.equals(timer, state.getTimerMs())) {
            byte[] keyBytes = keySerializer.serialize(null, key);
            if (state.getTimerMs() != null) {
                timers.remove(state.getTimerMs(), keyBytes);
            }
            if (timer != null) {
                timers.add(timer, keyBytes);
                nextDue = Math.min(nextDue, timer);
            }
            state.setTimerMs(timer);
        }
        states.put(key, state);
    }

    private long dropAt(ScorecardGapState state) {
        long settled = state.getSettledMs();
        if (state.getEventsEmitted() > 0) {
            // its RESOLVED/WITHDRAWN event stays readable on the compacted topic for a full retention
            return Math.max(settled, createdMs(state)) + retentionMs;
        }
        return Math.max(settled, createdMs(state) + retentionMs);
    }

    private void drop(ScorecardGapKey key, ScorecardGapState state, long now) {
        if (state.getTimerMs() != null) {
            timers.remove(state.getTimerMs(), keySerializer.serialize(null, key));
        }
        states.delete(key);
        if (state.getEventsEmitted() > 0) {
            forwardTransition(key, state, null, now);
        }
    }

    private void fireDue(long now) {
        if (now < 0) {
            return;
        }
        long streamTime = context.currentStreamTimeMs();
        for (DeadlineIndex.Due due : timers.pollDue(now, settings.maxTimersPerPunctuation())) {
            ScorecardGapKey key = keyDeserializer.deserialize(null, due.key());
            ScorecardGapState state = states.get(key);
            if (state == null || state.getTimerMs() == null || state.getTimerMs() != due.deadline()) {
                continue;
            }
            state.setTimerMs(null);
            if (state.getStatus() == GapStatus.PENDING) {
                open(key, state, state.getDeadlineMs(),
                        due.deadline() <= streamTime ? DecisionClock.STREAM_TIME : DecisionClock.WALL_CLOCK);
            }
            persist(key, state, due.deadline());
        }
        nextDue = timers.nextDeadline().orElse(Long.MAX_VALUE);
    }

    private static long createdMs(ScorecardGapState state) {
        ScorecardFacts facts = state.getFacts();
        return facts != null && facts.getCreatedAt() != null ? GapKeys.microsToMillis(facts.getCreatedAt())
                : state.getFirstSeenMs();
    }

    private static Instant micros(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }

    @Override
    public void close() {
        if (inputEnd != null) {
            inputEnd.unregister(inputEndId);
        }
        if (metrics != null) {
            metrics.close();
        }
        if (openGaps != null) {
            openGaps.close();
        }
    }
}
