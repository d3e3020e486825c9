package io.cdcsentinel.topology.labels;

import io.cdcsentinel.avro.ConversationLabelKey;
import io.cdcsentinel.avro.internal.labels.ChangeEntity;
import io.cdcsentinel.avro.internal.labels.ChatImage;
import io.cdcsentinel.avro.internal.labels.LabelChange;
import io.cdcsentinel.cdc.ChangeEvent;
import io.cdcsentinel.cdc.ChatRow;
import io.cdcsentinel.cdc.Row;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * First processor after the {@code app.chats} source: turns a change into a {@link LabelChange} keyed by
 * its conversation. Everything that makes a record unusable is detected <em>here</em> and thrown as a
 * {@link io.cdcsentinel.cdc.BadChangeException}, so that the processing exception handler sends the
 * original bytes to the dead-letter topic: a row image without key columns, a timestamp that does not
 * parse, a source position that yields no version (invariant 4: never a made-up version).
 *
 * <p>Tombstones (the null value after each delete) and non-row events (truncate, logical messages) are
 * skipped. A truncate of {@code app.chats} is logged: labels already written are not withdrawn by it.
 */
final class ChatChangeProcessor implements Processor<byte[], ChangeEvent, ConversationLabelKey, LabelChange> {
    private ProcessorContext<ConversationLabelKey, LabelChange> context;
    private LabelMetrics metrics;

    @Override
    public void init(ProcessorContext<ConversationLabelKey, LabelChange> context) {
        this.context = context;
        this.metrics = LabelMetrics.register(context, "chats");
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
        Row row = change.row();
        ChatRow chat = ChatRow.from(row);
        long version = change.source().version();
        // A delete captured with REPLICA IDENTITY DEFAULT carries the key only: say so (null image) rather than
        // pretend the conversation had no end.
        ChatImage image = change.isDelete() && !row.has("ended_at") ? null
                : new ChatImage(chat.agentUserId(), chat.usecaseId(), chat.createdAt(), chat.endedAt());
        LabelChange value = LabelChange.newBuilder()
                .setEntity(ChangeEntity.CHAT)
                .setOp(LabelChanges.op(change.op()))
                .setVersion(version)
                .setSourceTsMs(change.source().tsMs())
                .setChat(image)
                .setUpstreamSource(LabelChanges.upstreamSource(context, ChangeEntity.CHAT))
                .build();
        context.forward(record.withKey(new ConversationLabelKey(chat.customerId(), chat.profileId(), chat.conversationId()))
                .withValue(value));
    }

    @Override
    public void close() {
        if (metrics != null) {
            metrics.close(context);
        }
    }
}
