package io.cdcsentinel.topology.gaps;

import io.cdcsentinel.avro.internal.gaps.ConversationKey;
import io.cdcsentinel.avro.internal.gaps.ConversationState;
import io.cdcsentinel.cdc.ChangeEvent;
import io.cdcsentinel.cdc.ChatRow;
import io.cdcsentinel.cdc.Op;
import java.util.Objects;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First processor after the {@code app.chats} source: projects a chat onto what the gap events report
 * (exists, ended) and re-keys it by (customer_id, profile_id, conversation_id) for the conversation table.
 * A delete becomes a tombstone of that table. Chats are updated far more often than they end, so an
 * update whose before image shows the same {@code ended_at} is dropped here: it would only add a version
 * to the versioned table.
 */
final class ConversationChangeProcessor implements Processor<byte[], ChangeEvent, ConversationKey, ConversationState> {
    private static final Logger LOG = LoggerFactory.getLogger(ConversationChangeProcessor.class);

    private ProcessorContext<ConversationKey, ConversationState> context;

    @Override
    public void init(ProcessorContext<ConversationKey, ConversationState> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], ChangeEvent> record) {
        ChangeEvent event = record.value();
        if (!CdcInputs.isRowChange(event, context, LOG)) {
            return;
        }
        ChatRow row = ChatRow.from(event.row());
        ConversationKey key = new ConversationKey(row.customerId(), row.profileId(), row.conversationId());
        if (event.isDelete()) {
            context.forward(new Record<>(key, null, record.timestamp()));
            return;
        }
        if (event.op() == Op.UPDATE && event.before() != null && event.before().has("ended_at")
                && Objects.equals(event.before().micros("ended_at"), row.endedAt())) {
            return;
        }
        context.forward(new Record<>(key, new ConversationState(row.endedAt()), record.timestamp()));
    }
}
