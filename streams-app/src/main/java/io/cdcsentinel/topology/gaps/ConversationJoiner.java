package io.cdcsentinel.topology.gaps;

import io.cdcsentinel.avro.ScorecardGapEvent;
import io.cdcsentinel.avro.internal.gaps.ConversationKey;
import io.cdcsentinel.avro.internal.gaps.ConversationState;
import io.cdcsentinel.avro.internal.gaps.GapTransition;
import java.util.Objects;
import org.apache.kafka.streams.kstream.ValueJoinerWithKey;

/**
 * Completes a gap event with its conversation: {@code conversation_exists} (an {@code app.chats} row with
 * that id exists in the tenant) and {@code conversation_ended} (it has {@code ended_at}), as of the event's
 * decision time (the conversation table is versioned, so the lookup is by timestamp).
 *
 * <p>Every event of a scorecard is routed through the conversation it had at its first event, so that the
 * events of one scorecard stay in one partition and in order. Should the scorecard's conversation change
 * later, its conversation is not the one looked up, and both flags are false: unknown is not reported as
 * existing. Process scorecards are routed through the empty conversation id, which no chat has.
 */
final class ConversationJoiner implements ValueJoinerWithKey<ConversationKey, GapTransition, ConversationState, GapTransition> {

    @Override
    public GapTransition apply(ConversationKey key, GapTransition transition, ConversationState conversation) {
        ScorecardGapEvent event = transition.getEvent();
        if (event == null) {
            return transition;
        }
        boolean same = key != null && Objects.equals(event.getConversationId(), key.getConversationId());
        boolean exists = same && conversation != null;
        event.setConversationExists(exists);
        event.setConversationEnded(exists && conversation.getEndedAt() != null);
        return transition;
    }
}
