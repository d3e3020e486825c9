package io.cdcsentinel.topology.labels;

import io.cdcsentinel.avro.ConversationLabelKey;
import io.cdcsentinel.avro.internal.labels.ChangeEntity;
import io.cdcsentinel.avro.internal.labels.ChangeOp;
import io.cdcsentinel.avro.internal.labels.EventRoute;
import io.cdcsentinel.avro.internal.labels.LabelChange;
import io.cdcsentinel.cdc.BadChangeException;
import io.cdcsentinel.cdc.ChangeEvent;
import io.cdcsentinel.cdc.ChatEventRow;
import io.cdcsentinel.config.LabelSettings;
import io.cdcsentinel.topology.PlainAvroSerde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * First processor after the {@code app.chat_events} source: routes each event change to its conversation.
 *
 * <p>A delete captured with REPLICA IDENTITY DEFAULT carries only the event's key columns, not its
 * conversation; this processor therefore remembers event id -> conversation id (with the version that
 * set it) in {@link #ROUTES_STORE}, partitioned like the input topic, i.e. by event key. An update that
 * moves an event to another conversation is routed as a delete to the old conversation and an upsert to the
 * new one, both with the update's version.
 *
 * <p>The index is a window store whose segments expire {@link LabelSettings#eventIndexRetention()} after the
 * event's commit time: bounded without timers. A delete that carries no conversation id for an event the
 * index does not know (never seen, or older than that retention) cannot be applied and is thrown, like every
 * unusable record, to the dead-letter topic.
 */
final class ChatEventRouterProcessor implements Processor<byte[], ChangeEvent, ConversationLabelKey, LabelChange> {
    /** event key -> {@link EventRoute}; window start = commit time of the change that wrote it. */
    static final String ROUTES_STORE = "labels-event-routes";

    private ProcessorContext<ConversationLabelKey, LabelChange> context;
    private WindowStore<Bytes, EventRoute> routes;
    private LabelMetrics metrics;

    static StoreBuilder<WindowStore<Bytes, EventRoute>> storeBuilder(LabelSettings settings) {
        return Stores.windowStoreBuilder(
                Stores.persistentWindowStore(ROUTES_STORE, settings.eventIndexRetention(), java.time.Duration.ofMillis(1), false),
                Serdes.Bytes(), new PlainAvroSerde<>(EventRoute.class));
    }

    @Override
    public void init(ProcessorContext<ConversationLabelKey, LabelChange> context) {
        this.context = context;
        this.routes = context.getStateStore(ROUTES_STORE);
        this.metrics = LabelMetrics.register(context, "chat-events");
    }

    @Override
    public void process(Record<byte[], ChangeEvent> record) {
        ChangeEvent change = record.value();
        if (change == null) {
            return;
        }
        if (!change.isRowChange()) {
            metrics.skippedNonRowChange(context, change);
            return;
        }
        ChatEventRow event = ChatEventRow.from(change.row());
        long version = change.source().version();
        long ts = change.source().tsMs();
        Bytes routeKey = Bytes.wrap(ConversationKeys.eventRoute(event.customerId(), event.profileId(), event.eventId()));
        EventRoute known = latest(routeKey);
        String conversation = event.conversationId();

        if (change.isDelete()) {
            if (conversation == null) {
                if (known == null) {
                    throw new BadChangeException("delete of chat event " + event.eventId() + " (" + event.customerId() + "/"
                            + event.profileId() + ") carries no conversation_id (REPLICA IDENTITY DEFAULT) and the event is"
                            + " not in the event index (never seen, or older than " + LabelSettings.EVENT_INDEX_RETENTION.name() + ")");
                }
                conversation = known.getConversationId();
            }
            forward(record, event, conversation, ChangeOp.DELETE, version, ts);
        } else {
            if (conversation == null || conversation.isEmpty()) {
                throw new BadChangeException("chat event " + event.eventId() + " without conversation_id");
            }
            if (known != null && LabelChanges.supersedes(version, known.getVersion())
                    && !known.getConversationId().equals(conversation)) {
                // The event moved: it no longer counts for its previous conversation.
                forward(record, event, known.getConversationId(), ChangeOp.DELETE, version, ts);
            }
            forward(record, event, conversation, LabelChanges.op(change.op()), version, ts);
        }
        if (known == null || LabelChanges.supersedes(version, known.getVersion())) {
            routes.put(routeKey, new EventRoute(conversation, version), ts);
        }
    }

    private void forward(Record<byte[], ChangeEvent> record, ChatEventRow event, String conversation, ChangeOp op,
            long version, long ts) {
        LabelChange value = LabelChange.newBuilder()
                .setEntity(ChangeEntity.EVENT)
                .setOp(op)
                .setVersion(version)
                .setSourceTsMs(ts)
                .setEventId(event.eventId())
                .setEventType(op == ChangeOp.DELETE ? null : event.eventType())
                .setUpstreamSource(LabelChanges.upstreamSource(context, ChangeEntity.EVENT))
                .build();
        context.forward(record.withKey(new ConversationLabelKey(event.customerId(), event.profileId(), conversation))
                .withValue(value));
    }

    /** The latest route ({@link LabelChanges#supersedes}) among the (few) windows of this event. */
    private EventRoute latest(Bytes key) {
        EventRoute best = null;
        try (WindowStoreIterator<EventRoute> it = routes.fetch(key, 0L, Long.MAX_VALUE)) {
            while (it.hasNext()) {
                KeyValue<Long, EventRoute> kv = it.next();
                if (kv.value != null && (best == null || LabelChanges.supersedes(kv.value.getVersion(), best.getVersion()))) {
                    best = kv.value;
                }
            }
        }
        return best;
    }

    @Override
    public void close() {
        if (metrics != null) {
            metrics.close(context);
        }
    }
}
