package io.cdcsentinel.sink;

import io.cdcsentinel.avro.ConversationLabel;

/** One conversation of one tenant: the immutable identity of a label (the topic key, the table's sorting key). */
public record ConversationKey(String customerId, String profileId, String conversationId) {

    public static ConversationKey of(ConversationLabel label) {
        return new ConversationKey(label.getCustomerId(), label.getProfileId(), label.getConversationId());
    }
}
