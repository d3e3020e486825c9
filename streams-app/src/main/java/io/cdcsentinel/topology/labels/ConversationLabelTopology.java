package io.cdcsentinel.topology.labels;

import io.cdcsentinel.avro.ConversationLabel;
import io.cdcsentinel.avro.ConversationLabelKey;
import io.cdcsentinel.avro.internal.labels.LabelChange;
import io.cdcsentinel.config.LabelSettings;
import io.cdcsentinel.topology.ChangeEventTimestampExtractor;
import io.cdcsentinel.topology.PlainAvroSerde;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * The conversation-label topology: {@code app.chats} joined with its aggregated {@code app.chat_events}, one
 * {@code FINAL} label per ended conversation, then a {@code CORRECTION} only when the label really changes.
 * Runs as application {@code <streams.application.id>-labels} with {@code exactly_once_v2}.
 *
 * <pre>
 *   chats       -> ChatChangeProcessor ------\
 *                                             merge -> repartition by conversation -> ConversationLabelProcessor -> conversation-labels
 *   chat_events -> ChatEventRouterProcessor -/   (labels-by-conversation)                (state, events, timers)
 * </pre>
 *
 * <h2>What is written</h2>
 * The label of a conversation (customer id, profile id, conversation id) is its chats row (final agent, use
 * case, start, end) with the counts of its events: {@code assist_shown_count}, {@code assist_used_count},
 * {@code agent_assisted = assist_used_count > 0}, and {@code bot_outcome} where handoff wins: HANDOFF if any
 * BOT_HANDOFF, else RESOLVED if any BOT_RESOLVED, else NONE.
 * <table>
 *   <caption>Changes and what they write</caption>
 *   <tr><th>change</th><th>written</th></tr>
 *   <tr><td>anything while {@code ended_at} is NULL</td><td>nothing</td></tr>
 *   <tr><td>{@code ended_at} set (insert, update or snapshot read of an ended conversation)</td>
 *       <td>one FINAL at the change's commit time + {@code labels.settle.window}, with every change processed
 *       until then folded in</td></tr>
 *   <tr><td>after FINAL: reassignment, reclassification, a late or deleted event</td>
 *       <td>one CORRECTION, settle window after the first such change, if the label then differs from the last
 *       one written</td></tr>
 *   <tr><td>after FINAL: reopen ({@code ended_at} back to NULL)</td><td>nothing, and a pending correction is
 *       dropped</td></tr>
 *   <tr><td>reopened, then ended again</td><td>one CORRECTION at the new end's commit time + settle (if the label
 *       differs, which a new {@code ended_at} makes it)</td></tr>
 *   <tr><td>an update that changes nothing in the label ({@code updated_at} only, same values)</td><td>nothing</td></tr>
 *   <tr><td>a change re-delivered (at-least-once CDC after a connector crash) or re-read by a new snapshot</td>
 *       <td>nothing</td></tr>
 *   <tr><td>chats row deleted, after a label was written</td><td>one DELETE carrying the last label's content</td></tr>
 *   <tr><td>a row written again after its DELETE</td><td>CORRECTION (a label existed; the sink replaces it)</td></tr>
 * </table>
 * Events that arrive before their chats row are kept and counted once it arrives (the connector snapshots
 * {@code chat_events} before {@code chats} so that a snapshot FINAL has them all). The settle window is
 * measured in event time (commit time), so a replay writes the same labels; see "Timers" for the live case.
 *
 * <h2>Versions</h2>
 * Every source change has {@code v(change) = SourcePosition.version()} ({@code commitPosition << 16 | order in
 * transaction}): distinct changes have distinct versions that increase in commit order, and a re-delivered
 * change has the same version. A label is written with
 * <pre>
 *   version = max(M, last_written_version + 1)      (just M for the first label)
 *   M       = max v(change) over every change folded into this conversation's state
 * </pre>
 * <ul>
 *   <li><b>Strictly increasing per conversation</b>, by construction of the max: a consumer keeping the highest
 *       version (ReplacingMergeTree(version)) keeps the latest label, and the topic (ordered per key) agrees.</li>
 *   <li><b>Derived from source positions only</b>: M is the position of a real change; in the normal case (each
 *       change processed after every change committed before it) a new label folds in a change later than any
 *       folded before, so {@code version = M}: the position of the last change that made the label what it is.
 *       The {@code +1} applies only when a change is processed after a label that already folded in a change
 *       committed later: chats and chat_events are different topics and their events reach this processor
 *       through a repartition topic, so an event committed before a chats update can be processed after it.
 *       Such a late change still gets a version above everything written for the conversation.</li>
 *   <li><b>Replay gives the same versions</b>: the state is a function of the set of changes applied (rows are
 *       last-writer-wins by version, event counts are kept per event id, so duplicates and older
 *       re-deliveries change nothing and no version), changes are applied in commit order and timers fire at their
 *       deadlines between them (see "Timers"), and the formula uses nothing else. The same input therefore writes
 *       the same labels with the same versions, however the upstream tasks interleaved it; a duplicate writes
 *       nothing.</li>
 *   <li><b>Snapshot images rank below streamed changes</b> when rows are compared ({@code LabelChanges.supersedes}):
 *       the first transaction streamed after the connector's first start can carry a version below the snapshot's
 *       (it began before the snapshot point), yet it is newer. The label version stays above what was written by
 *       the {@code +1} rule.</li>
 *   <li>A change whose version cannot be read (e.g. streamed without transaction metadata) never reaches the
 *       state: the first processor throws it to the dead-letter topic.</li>
 * </ul>
 * Residual non-determinism, stated: the wall-clock fallback (below); a CDC partition more than
 * {@code labels.clock.max.skew} of event time behind the fastest one (presumed idle, so its late changes are
 * applied when they arrive, after the deadlines they missed); and, when the CDC topics have more partitions than
 * {@code kafka.topic.partitions} says, the records of a partition above every one seen so far that arrive before
 * it has sent anything (the partitions seen are persisted, so a restart waits for them). Each only decides whether a late change lands in the FINAL or in one CORRECTION after it (whose
 * version is then {@code M} or {@code previous + 1}); the final label content is the same.
 *
 * <h2>Timers</h2>
 * One deadline per conversation in a {@code DeadlineIndex} (flush, or state expiry). Time is commit time: record
 * timestamps come from {@link ChangeEventTimestampExtractor} and are carried through the repartition topic. The
 * conversation task reads that topic from several upstream tasks, one per CDC partition, each reading a chats and
 * a chat_events partition; they progress independently (in a replay or a backlog one is easily minutes of event
 * time ahead of another), and one task interleaves its two partitions in timestamp order only as far as their
 * records happen to be buffered ({@code max.task.idle.ms}). Stream time, driven by the fastest, is therefore not
 * a safe clock: a deadline would pass while a change committed before it still sits upstream. So the task follows
 * the low watermark of the CDC topic partitions, each of which is in commit order ({@code UpstreamWatermark}: the
 * first processors put the partition they read into each change; the task expects both topics' partitions
 * below {@code kafka.topic.partitions}, or below any partition it has seen), never more than {@code labels.clock.max.skew} behind stream time.
 * Changes ahead of the watermark are held back ({@code CommitOrderBuffer}); as the watermark moves, they are
 * applied in commit order, each after every timer its commit time has passed, and then the timers up to the
 * watermark fire. A label written at deadline D thus holds exactly the changes committed before D, whatever the
 * number of CDC partitions and however their tasks interleaved. The price, live: while one CDC partition is quiet
 * and others are busy, labels wait for it, up to the maximum skew. Live, when the
 * sources go quiet, a wall-clock punctuator lets the clock run on ({@code EventTimeClock}: only if the task was
 * live, i.e. its last record committed less than {@code labels.fallback.max-lag} before it was processed, and
 * then idle for {@code labels.fallback.idle}), so the last FINAL of a burst is written about settle window after
 * the end instead of at the next change.
 *
 * <h2>State and retention</h2>
 * Per conversation: the chats columns, event counts, the last label written and its version; per event its
 * winning change; upstream, event id -> conversation id for deletes captured with REPLICA IDENTITY DEFAULT
 * (bounded by {@code labels.event-index.retention}). Once a conversation has ended (or was deleted, or is known
 * only from events), its state is dropped {@code labels.state.retention} after its latest change. Open
 * conversations are kept until they end (their number is bounded by PostgreSQL's open conversations). After
 * expiry the label is final, and a later change does this:
 * <ul>
 *   <li>chats update (reassignment, reopen, new end) of a conversation created more than the retention before
 *       the update: ignored, counted in {@code changes-beyond-retention}. Its events are gone from the state, so
 *       a label written now would have partial counts; the label written before stays as it is.</li>
 *   <li>late chat event: kept in a new state without a chats row, which never writes, and expires in turn.</li>
 *   <li>chats delete: DELETE is written (a delete is right whatever the counts), unless the before image shows
 *       the conversation never ended.</li>
 *   <li>a new snapshot (snapshot read, op r): the snapshot brings the events as well, so a FINAL is written
 *       again with the same content and the snapshot's (higher) version: one more physical row in ClickHouse,
 *       the same row in {@code FINAL}.</li>
 * </ul>
 * The "created more than the retention before" test needs no state, so it gives the same answer live and on
 * replay; the price is that an update of a conversation whose insert this topology never saw (e.g. a CDC topic
 * compacted before a replay) and that is older than the retention is ignored too.
 *
 * <h2>Bad input</h2>
 * Unparsable envelopes fail in the deserializer; a row without key columns, an unparsable timestamp, an
 * unreadable source position or an event delete that cannot be routed fail in the first processor after the
 * source. Both go to the dead-letter topic with {@code __streams.errors.*} headers (KIP-1034) and processing
 * continues. Tombstones, truncates and logical messages are skipped.
 */
public final class ConversationLabelTopology {
    /** The repartition topic is {@code <application.id>-labels-by-conversation-repartition}. */
    public static final String REPARTITION_NAME = "labels-by-conversation";

    private ConversationLabelTopology() {
    }

    /** The Streams application id of this topology: {@code <streams.application.id>-labels}. */
    public static String applicationId(String prefix) {
        return prefix + "-labels";
    }

    public static Topology build(LabelTopics topics, LabelSettings settings) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(ChatEventRouterProcessor.storeBuilder(settings));
        for (StoreBuilder<?> store : ConversationLabelProcessor.storeBuilders()) {
            builder.addStateStore(store);
        }
        ChangeEventTimestampExtractor commitTime = new ChangeEventTimestampExtractor();

        KStream<ConversationLabelKey, LabelChange> chats = builder
                .stream(topics.chats().name(), topics.chats().consumed().withTimestampExtractor(commitTime))
                .process(ChatChangeProcessor::new, Named.as("labels-chat-changes"));
        KStream<ConversationLabelKey, LabelChange> events = builder
                .stream(topics.chatEvents().name(), topics.chatEvents().consumed().withTimestampExtractor(commitTime))
                .process(ChatEventRouterProcessor::new, Named.as("labels-event-changes"), ChatEventRouterProcessor.ROUTES_STORE);

        chats.merge(events, Named.as("labels-merge"))
                .repartition(Repartitioned.with(new PlainAvroSerde<>(ConversationLabelKey.class),
                        new PlainAvroSerde<>(LabelChange.class)).withName(REPARTITION_NAME))
                .process(() -> new ConversationLabelProcessor(settings), Named.as("labels-conversations"),
                        ConversationLabelProcessor.CONVERSATIONS_STORE, ConversationLabelProcessor.EVENTS_STORE,
                        ConversationLabelProcessor.DEADLINES_STORE, ConversationLabelProcessor.HELD_STORE,
                        ConversationLabelProcessor.SOURCES_STORE, ConversationLabelProcessor.HELD_COUNT_STORE)
                .to(topics.labels().name(), topics.labels().produced());
        return builder.build();
    }
}
