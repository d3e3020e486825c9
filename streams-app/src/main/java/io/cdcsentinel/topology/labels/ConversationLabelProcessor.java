package io.cdcsentinel.topology.labels;

import io.cdcsentinel.avro.BotOutcome;
import io.cdcsentinel.avro.ConversationLabel;
import io.cdcsentinel.avro.ConversationLabelKey;
import io.cdcsentinel.avro.LabelKind;
import io.cdcsentinel.avro.internal.labels.ChangeEntity;
import io.cdcsentinel.avro.internal.labels.ChangeOp;
import io.cdcsentinel.avro.internal.labels.ChatImage;
import io.cdcsentinel.avro.internal.labels.ConversationState;
import io.cdcsentinel.avro.internal.labels.EventState;
import io.cdcsentinel.avro.internal.labels.LabelChange;
import io.cdcsentinel.avro.internal.labels.LabelContent;
import io.cdcsentinel.cdc.BadChangeException;
import io.cdcsentinel.cdc.ChatEventRow;
import io.cdcsentinel.config.LabelSettings;
import io.cdcsentinel.metrics.Meters;
import io.cdcsentinel.topology.DeadlineIndex;
import io.cdcsentinel.topology.EventTimeClock;
import io.cdcsentinel.topology.InputEnd;
import io.cdcsentinel.topology.PlainAvroSerde;
import io.cdcsentinel.topology.TaskClockStore;
import io.cdcsentinel.topology.TaskGaugeStore;
import io.cdcsentinel.topology.UpstreamWatermark;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.apache.kafka.common.serialization.BytesSerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per conversation: folds chats and chat_events changes into one state, and writes the label when a timer
 * says so. The rules (what is written when, the version, retention) are documented on
 * {@link ConversationLabelTopology}; this class documents how they are kept.
 *
 * <p><b>Idempotent, order-insensitive folding.</b> The chats row and every event are last-writer-wins by
 * source version: a change that does not supersede the one already applied to the same row
 * ({@link LabelChanges#supersedes}: a higher version, or a streamed change over a snapshot image) is a
 * duplicate or an older re-delivery and is ignored. Event counts are maintained by subtracting the winning
 * change's contribution and adding the new one, with per-event state in {@link #EVENTS_STORE} (kept after a
 * delete, so an older re-delivered insert cannot bring the event back). The state after a set of changes is
 * therefore the same whatever the order and multiplicity in which they arrive.
 *
 * <p><b>Commit order and timers.</b> A change is applied once the upstream watermark ({@link UpstreamWatermark}:
 * how far the slowest CDC topic partition has got, bounded by {@code labels.clock.max.skew}) has reached its
 * commit time, in commit order; one that arrives ahead of it waits in a {@link CommitOrderBuffer}. One deadline
 * per conversation in a {@link DeadlineIndex}: the earlier of {@code flush_at} (write the label if it changed) and
 * {@code purge_at} (drop the state). Before a change is applied, every timer its commit time has passed fires; after the changes
 * released by a record, the timers up to the watermark fire. So the processor sees one sequence, in commit order,
 * whatever the interleaving of its upstream sources. A wall-clock punctuator adds the live fallback.
 */
final class ConversationLabelProcessor
        implements Processor<ConversationLabelKey, LabelChange, ConversationLabelKey, ConversationLabel> {
    /** conversation key -> {@link ConversationState}. */
    static final String CONVERSATIONS_STORE = "labels-conversations";
    /** conversation key + event id -> {@link EventState}. */
    static final String EVENTS_STORE = "labels-events";
    /** deadline + conversation key (see {@link DeadlineIndex}). */
    static final String DEADLINES_STORE = "labels-deadlines";
    /** commit time, version, conversation, event id -> {@link LabelChange} held back ({@link CommitOrderBuffer}). */
    static final String HELD_STORE = "labels-held";
    /**
     * upstream source -> latest commit time received, and the clock's last record ({@link TaskClockStore}): the
     * sources the watermark expects after a restart, how far they had got, and whether the task was live.
     */
    static final String SOURCES_STORE = "labels-upstream-sources";
    /** Conversations per customer whose label waits for its settle window ({@link TaskGaugeStore}). */
    static final String HELD_COUNT_STORE = "labels-held-count";

    private static final Logger LOG = LoggerFactory.getLogger(ConversationLabelProcessor.class);
    private static final long UNKNOWN = Long.MIN_VALUE;

    private final LabelSettings settings;
    private final long settleMs;
    private final long retentionMs;

    private ProcessorContext<ConversationLabelKey, ConversationLabel> context;
    private KeyValueStore<Bytes, ConversationState> conversations;
    private KeyValueStore<Bytes, EventState> events;
    private DeadlineIndex deadlines;
    private EventTimeClock clock;
    private InputEnd inputEnd;
    private String inputEndId;
    private UpstreamWatermark watermark;
    private CommitOrderBuffer held;
    private TaskClockStore clockStore;
    private LabelMetrics metrics;
    private TaskGaugeStore heldLabels;
    /** This task's share of {@link Meters#LABEL_CHANGES_BUFFERED}: the size of {@link #held} as last published. */
    private long bufferedPublished;
    /** Earliest deadline in the index, kept in memory so that most records need no index scan; UNKNOWN after a (re)start. */
    private long nextDeadline = UNKNOWN;

    ConversationLabelProcessor(LabelSettings settings) {
        this.settings = settings;
        this.settleMs = settings.settleWindow().toMillis();
        this.retentionMs = settings.stateRetention().toMillis();
    }

    static List<StoreBuilder<?>> storeBuilders() {
        // Caching on for the two state stores: a conversation touched by many events within one commit interval
        // writes its changelog once. Off for the index (DeadlineIndex: removals must be visible at once).
        return List.of(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CONVERSATIONS_STORE), Serdes.Bytes(),
                        new PlainAvroSerde<>(ConversationState.class)).withCachingEnabled(),
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(EVENTS_STORE), Serdes.Bytes(),
                        new PlainAvroSerde<>(EventState.class)).withCachingDisabled(),
                DeadlineIndex.storeBuilder(DEADLINES_STORE),
                CommitOrderBuffer.storeBuilder(HELD_STORE),
                TaskClockStore.storeBuilder(SOURCES_STORE),
                TaskGaugeStore.storeBuilder(HELD_COUNT_STORE));
    }

    @Override
    public void init(ProcessorContext<ConversationLabelKey, ConversationLabel> context) {
        this.context = context;
        this.conversations = context.getStateStore(CONVERSATIONS_STORE);
        this.events = context.getStateStore(EVENTS_STORE);
        this.deadlines = new DeadlineIndex(context.getStateStore(DEADLINES_STORE));
        this.clock = new EventTimeClock(settings.fallbackIdle(), settings.fallbackMaxLag());
        this.inputEnd = InputEnd.of(context);
        this.inputEndId = "conversation labels " + context.taskId();
        inputEnd.register(inputEndId);
        clock.bound(inputEnd);
        this.watermark = new UpstreamWatermark(settings.clockMaxSkew().toMillis(), LabelChanges.SOURCES_PER_PARTITION);
        this.held = new CommitOrderBuffer(context.getStateStore(HELD_STORE));
        publishBuffered();
        this.clockStore = new TaskClockStore(context.getStateStore(SOURCES_STORE), settings.punctuationInterval().toMillis());
        // Nor may the first start, or a restart (or a rebalance that moves the task), let the watermark run ahead of a
        // source that has not sent anything yet: expect every CDC partition known to exist, and every source seen,
        // from where it had got. The clock resumes as live if it was (issue 17: the labels held before a restart
        // are written within labels.fallback.idle of it, with no new change).
        for (int partition = 0; partition < settings.cdcPartitions(); partition++) {
            watermark.expect(LabelChanges.SOURCES_PER_PARTITION * partition);
        }
        clockStore.restore(clock, watermark, context.currentSystemTimeMs());
        this.metrics = LabelMetrics.register(context, "conversations");
        this.heldLabels = new TaskGaugeStore(context.getStateStore(HELD_COUNT_STORE), Meters.LABELS_HELD, count -> {
            try (KeyValueIterator<Bytes, ConversationState> it = conversations.all()) {
                it.forEachRemaining(kv -> {
                    if (kv.value.getFlushAt() != null) {
                        count.accept(List.of(ConversationKeys.decodeConversation(kv.key.get()).getCustomerId()), 1);
                    }
                });
            }
        });
        // Wall-clock punctuator: stream time stands still while the sources are quiet, so without it the last
        // conversations of a live burst would wait for the next change to get their FINAL. EventTimeClock lets the
        // wall clock run ahead of stream time only when the task was live and has been idle for a while, so a
        // replay or a backlog is never overtaken by it (those are driven by the upstream watermark alone). When not
        // wall-clock driven, it catches up with the watermark (a batch of timers larger than one punctuation).
        //
        // No stream-time punctuator: the watermark only advances when a record reaches process(), which applies
        // the changes and fires the timers it has passed, in commit order. A stream-time punctuation would run
        // after the record and in steps of its interval; doing it in process() makes each label depend only on
        // the input, not on the punctuation interval or on where a restart re-started the punctuation schedule.
        context.schedule(settings.punctuationInterval(), PunctuationType.WALL_CLOCK_TIME, this::onWallClock);
    }

    @Override
    public void process(Record<ConversationLabelKey, LabelChange> record) {
        long wallClock = context.currentSystemTimeMs();
        clock.onRecord(record.timestamp(), wallClock);
        LabelChange change = record.value();
        if (change == null || record.key() == null) {
            clockStore.save(clock, watermark, wallClock, false);
            return;
        }
        long ts = record.timestamp();
        watermark.observe(change.getUpstreamSource(), ts);
        clockStore.save(clock, watermark, wallClock, false);
        long now = watermark.at(Math.max(context.currentStreamTimeMs(), ts));
        if (held.isEmpty() && ts <= now) {
            // Not ahead of the watermark and nothing held before it (the change of the slowest source): the same as
            // holding it and releasing it at once, without the buffer.
            fireDue(ts, true);
            apply(ConversationKeys.conversation(record.key()), change, ts);
            fireDue(now, true);
            return;
        }
        held.add(ts, ConversationKeys.conversation(record.key()), change);
        release(now, true);
        held.saveHeld();
        publishBuffered();
    }

    /**
     * Applies the held changes committed up to {@code now} in commit order, each after the timers its commit time
     * has passed, then fires the timers due at {@code now}. In process() all of them (a label must not depend on
     * how many there were); from the punctuator one bounded batch, the rest at the next punctuation or record.
     */
    private void release(long now, boolean allTimers) {
        if (now < 0) {
            return;
        }
        for (CommitOrderBuffer.Held next = held.pollUpTo(now); next != null; next = held.pollUpTo(now)) {
            fireDue(next.timestamp(), true);
            apply(next.conversation(), next.change(), next.timestamp());
        }
        fireDue(now, allTimers);
    }

    /** Folds one change into its conversation's state, all timers up to its commit time having fired. */
    private void apply(byte[] keyBytes, LabelChange change, long now) {
        Bytes key = Bytes.wrap(keyBytes);
        ConversationState state = conversations.get(key);
        if (isBeyondRetention(state, change)) {
            metrics.record(context, LabelMetrics.BEYOND_RETENTION);
            LOG.debug("ignoring change of conversation {} at {}: it was created more than {} before this change and its"
                    + " state has expired; its label stays as written", ConversationKeys.decodeConversation(keyBytes),
                    LabelMetrics.where(context), settings.stateRetention());
            return;
        }
        if (state == null) {
            state = ConversationState.newBuilder().setMaxVersion(-1).setMaxVersionTsMs(-1).setLastChangeTsMs(-1).build();
        }
        boolean wasHeld = state.getFlushAt() != null;
        Long endedBefore = state.getEndedAt();
        boolean applied = change.getEntity() == ChangeEntity.CHAT ? applyChat(state, change)
                : applyEvent(state, keyBytes, change);
        if (!applied) {
            return;
        }
        schedule(state, change, endedBefore);
        if (state.getFlushAt() != null && state.getFlushAt() <= now) {
            // Settle window 0, or a change that arrives after its own settle deadline: write now.
            flush(state, keyBytes, state.getFlushAt());
        }
        persist(key, state);
        countHeld(keyBytes, wasHeld, state.getFlushAt() != null);
    }

    /** Keeps the held-label count in line with a conversation whose pending flush appeared or went. */
    private void countHeld(byte[] keyBytes, boolean wasHeld, boolean isHeld) {
        if (wasHeld != isHeld) {
            heldLabels.add(List.of(ConversationKeys.decodeConversation(keyBytes).getCustomerId()), isHeld ? 1 : -1);
        }
    }

    /**
     * A chats update for a conversation whose chats row this state has not seen, created more than the
     * retention before the update: the state may have expired, so its events are unknown and a label built
     * now would carry partial counts. Inserts and snapshot reads are never beyond retention (a snapshot
     * brings the events with it); deletes are not either (a DELETE is right whatever the counts).
     */
    private boolean isBeyondRetention(ConversationState state, LabelChange change) {
        if (change.getEntity() != ChangeEntity.CHAT || change.getOp() != ChangeOp.UPDATE) {
            return false;
        }
        if (state != null && state.getChatVersion() != null) {
            return false;
        }
        ChatImage image = change.getChat();
        return image != null && image.getCreatedAt() != null
                && Math.floorDiv(image.getCreatedAt(), 1000L) + retentionMs <= change.getSourceTsMs();
    }

    private boolean applyChat(ConversationState state, LabelChange change) {
        Long current = state.getChatVersion();
        if (current != null && !LabelChanges.supersedes(change.getVersion(), current)) {
            return false;
        }
        ChatImage image = change.getChat();
        if (change.getOp() == ChangeOp.DELETE) {
            if (current == null) {
                // Never seen alive here: a label may still exist downstream (expired state, or written before this
                // topology started) unless the before image shows the conversation never ended.
                state.setLabelledElsewhere(image == null || image.getEndedAt() != null);
                copy(state, image);
            }
            state.setChatDeleted(true);
        } else {
            state.setChatDeleted(false);
            state.setLabelledElsewhere(false);
            copy(state, image);
        }
        state.setChatVersion(change.getVersion());
        fold(state, change);
        return true;
    }

    private static void copy(ConversationState state, ChatImage image) {
        if (image != null) {
            state.setAgentUserId(image.getAgentUserId());
            state.setUsecaseId(image.getUsecaseId());
            state.setCreatedAt(image.getCreatedAt());
            state.setEndedAt(image.getEndedAt());
        }
    }

    private boolean applyEvent(ConversationState state, byte[] conversationKey, LabelChange change) {
        if (change.getEventId() == null) {
            throw new BadChangeException("event change without event id on the label repartition topic");
        }
        Bytes eventKey = Bytes.wrap(ConversationKeys.event(conversationKey, change.getEventId()));
        EventState old = events.get(eventKey);
        if (old != null && !LabelChanges.supersedes(change.getVersion(), old.getVersion())) {
            return false;
        }
        if (old != null && !old.getDeleted()) {
            count(state, old.getEventType(), -1);
        }
        boolean deleted = change.getOp() == ChangeOp.DELETE;
        String type = deleted ? (old == null ? null : old.getEventType()) : change.getEventType();
        if (!deleted) {
            count(state, type, +1);
        }
        events.put(eventKey, new EventState(change.getVersion(), type, deleted));
        fold(state, change);
        return true;
    }

    private static void count(ConversationState state, String type, int delta) {
        if (type == null) {
            return;
        }
        switch (type) {
            case ChatEventRow.ASSIST_SHOWN -> state.setAssistShown(state.getAssistShown() + delta);
            case ChatEventRow.ASSIST_USED -> state.setAssistUsed(state.getAssistUsed() + delta);
            case ChatEventRow.BOT_HANDOFF -> state.setBotHandoffs(state.getBotHandoffs() + delta);
            case ChatEventRow.BOT_RESOLVED -> state.setBotResolutions(state.getBotResolutions() + delta);
            default -> {
                // other event types do not affect the labels
            }
        }
    }

    private static void fold(ConversationState state, LabelChange change) {
        if (change.getVersion() > state.getMaxVersion()) {
            state.setMaxVersion(change.getVersion());
            state.setMaxVersionTsMs(change.getSourceTsMs());
        }
        state.setLastChangeTsMs(Math.max(state.getLastChangeTsMs(), change.getSourceTsMs()));
    }

    /**
     * After an applied change: when to write next and when to forget.
     * <ul>
     *   <li>Nothing to write (open, reopened, unchanged since the last label): no flush pending. So a reopen
     *       cancels a pending correction, and a change undone within the settle window writes nothing.</li>
     *   <li>The change set or moved {@code ended_at}: flush at its commit time + settle, even if a flush was
     *       pending earlier; a reopened conversation's correction waits for its new end to settle.</li>
     *   <li>Otherwise: the pending flush stays (every change up to it is folded into one write), or one is
     *       scheduled at commit time + settle.</li>
     *   <li>Retention: once the conversation has ended, been deleted, or is only known from events, its state
     *       is dropped {@code labels.state.retention} after its latest change. Open conversations are kept.</li>
     * </ul>
     */
    private void schedule(ConversationState state, LabelChange change, Long endedBefore) {
        long due = Math.addExact(change.getSourceTsMs(), settleMs);
        if (pending(state) == null) {
            state.setFlushAt(null);
        } else if (state.getEndedAt() != null && !Objects.equals(endedBefore, state.getEndedAt())) {
            state.setFlushAt(due);
        } else if (state.getFlushAt() == null) {
            state.setFlushAt(due);
        }
        boolean purgeable = state.getChatDeleted() || state.getChatVersion() == null || state.getEndedAt() != null;
        state.setPurgeAt(purgeable ? Math.addExact(state.getLastChangeTsMs(), retentionMs) : null);
    }

    /** The label a flush would write now, or null when it would write nothing. */
    private static LabelKind pending(ConversationState state) {
        if (state.getChatDeleted()) {
            boolean labelled = state.getEmitted() != null || state.getLabelledElsewhere();
            return labelled && !LabelKind.DELETE.name().equals(state.getEmittedKind()) ? LabelKind.DELETE : null;
        }
        if (state.getChatVersion() == null || state.getEndedAt() == null) {
            return null;
        }
        if (state.getEmitted() == null) {
            return LabelKind.FINAL;
        }
        if (LabelKind.DELETE.name().equals(state.getEmittedKind()) || !content(state).equals(state.getEmitted())) {
            return LabelKind.CORRECTION;
        }
        return null;
    }

    private void flush(ConversationState state, byte[] keyBytes, long at) {
        state.setFlushAt(null);
        LabelKind kind = pending(state);
        if (kind == null) {
            return;
        }
        LabelContent content = kind == LabelKind.DELETE && state.getEmitted() != null ? state.getEmitted() : content(state);
        long version = state.getMaxVersion();
        if (state.getEmittedVersion() != null && version <= state.getEmittedVersion()) {
            // A change committed before the last written label was processed after it (see the topology's
            // "Versions"): stay strictly above what consumers already hold.
            version = state.getEmittedVersion() + 1;
        }
        ConversationLabelKey key = ConversationKeys.decodeConversation(keyBytes);
        ConversationLabel label = ConversationLabel.newBuilder()
                .setCustomerId(key.getCustomerId())
                .setProfileId(key.getProfileId())
                .setConversationId(key.getConversationId())
                .setKind(kind)
                .setVersion(version)
                .setAgentUserId(content.getAgentUserId())
                .setUsecaseId(content.getUsecaseId())
                .setStartedAt(instant(content.getStartedAt()))
                .setEndedAt(instant(content.getEndedAt()))
                .setAssistShownCount(content.getAssistShownCount())
                .setAssistUsedCount(content.getAssistUsedCount())
                .setAgentAssisted(content.getAssistUsedCount() > 0)
                .setBotOutcome(BotOutcome.valueOf(content.getBotOutcome()))
                .setSourceTsMs(state.getMaxVersionTsMs())
                .build();
        context.forward(new Record<>(key, label, at));
        state.setEmitted(content);
        state.setEmittedKind(kind.name());
        state.setEmittedVersion(version);
        metrics.record(context, LabelMetrics.WRITTEN_PREFIX + kind.name().toLowerCase(Locale.ROOT));
        Meters.LABELS_WRITTEN.increment(key.getCustomerId(), kind.name());
    }

    private static Instant instant(Long micros) {
        return micros == null ? null
                : Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }

    private static LabelContent content(ConversationState state) {
        BotOutcome outcome = state.getBotHandoffs() > 0 ? BotOutcome.HANDOFF
                : state.getBotResolutions() > 0 ? BotOutcome.RESOLVED : BotOutcome.NONE;
        return new LabelContent(state.getAgentUserId(), state.getUsecaseId(), state.getCreatedAt(), state.getEndedAt(),
                state.getAssistShown(), state.getAssistUsed(), outcome.name());
    }

    /** Saves the state and moves its single index entry to min(flush_at, purge_at). */
    private void persist(Bytes key, ConversationState state) {
        Long next = earliest(state.getFlushAt(), state.getPurgeAt());
        if (!Objects.equals(next, state.getTimerAt())) {
            if (state.getTimerAt() != null) {
                deadlines.remove(state.getTimerAt(), key.get());
            }
            if (next != null) {
                deadlines.add(next, key.get());
                if (nextDeadline != UNKNOWN) {
                    nextDeadline = Math.min(nextDeadline, next);
                }
            }
            state.setTimerAt(next);
        }
        conversations.put(key, state);
    }

    private static Long earliest(Long a, Long b) {
        if (a == null) {
            return b;
        }
        return b == null ? a : Long.valueOf(Math.min(a, b));
    }

    /** Fires the timers due at {@code now}: all of them, or one bounded batch. */
    private void fireDue(long now, boolean all) {
        if (now < 0 || (nextDeadline != UNKNOWN && now < nextDeadline)) {
            return;
        }
        int max = settings.maxTimersPerPunctuation();
        List<DeadlineIndex.Due> due;
        do {
            due = deadlines.pollDue(now, max);
            due.forEach(d -> onTimer(d, now));
        } while (all && due.size() == max);
        nextDeadline = deadlines.nextDeadline().orElse(Long.MAX_VALUE);
    }

    private void onTimer(DeadlineIndex.Due due, long now) {
        Bytes key = Bytes.wrap(due.key());
        ConversationState state = conversations.get(key);
        if (state == null || !Objects.equals(state.getTimerAt(), due.deadline())) {
            return; // the index entry outlived its state; pollDue already removed it
        }
        state.setTimerAt(null);
        boolean wasHeld = state.getFlushAt() != null;
        if (state.getFlushAt() != null && state.getFlushAt() <= now) {
            flush(state, due.key(), state.getFlushAt());
        }
        if (state.getPurgeAt() != null && state.getPurgeAt() <= now) {
            purge(key);
            countHeld(due.key(), wasHeld, false);
            return;
        }
        persist(key, state);
        countHeld(due.key(), wasHeld, state.getFlushAt() != null);
    }

    private void purge(Bytes key) {
        List<Bytes> eventKeys = new ArrayList<>();
        try (KeyValueIterator<Bytes, EventState> it = events.prefixScan(key, new BytesSerializer())) {
            it.forEachRemaining(kv -> eventKeys.add(kv.key));
        }
        eventKeys.forEach(events::delete);
        conversations.delete(key);
    }

    private void onWallClock(long wallClock) {
        // After a restart the clock knows nothing until the first record; the task's stream time is restored.
        long streamTime = context.currentStreamTimeMs();
        clock.observeStreamTime(streamTime);
        // Live and idle: the wall clock moves on (and releases what is held). Otherwise catch up with the
        // watermark: a slow upstream task whose records did not move stream time, or a bounded batch of timers.
        long now = clock.isWallClockDriven(wallClock) ? clock.now(wallClock) : watermark.at(streamTime);
        release(now, false);
        clockStore.save(clock, watermark, wallClock, true);
        inputEnd.report(inputEndId, now >= 0 && nextDeadline <= now); // release() let out every held change up to now
        publishBuffered();
    }

    private void publishBuffered() {
        long size = held.size();
        if (size != bufferedPublished) {
            Meters.LABEL_CHANGES_BUFFERED.add(List.of(), size - bufferedPublished);
            bufferedPublished = size;
        }
    }

    @Override
    public void close() {
        if (inputEnd != null) {
            inputEnd.unregister(inputEndId);
        }
        if (metrics != null) {
            metrics.close(context);
        }
        if (heldLabels != null) {
            heldLabels.close();
        }
        Meters.LABEL_CHANGES_BUFFERED.add(List.of(), -bufferedPublished);
        bufferedPublished = 0;
    }
}
