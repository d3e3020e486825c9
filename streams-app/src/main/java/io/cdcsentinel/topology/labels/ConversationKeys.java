package io.cdcsentinel.topology.labels;

import io.cdcsentinel.avro.ConversationLabelKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Byte keys of the label topology's stores: each part as a 4-byte length and its UTF-8 bytes. Length
 * prefixes make a conversation key an unambiguous prefix of its events' keys ({@code conversation + event
 * id}), so one prefix scan finds every event of a conversation and nothing else.
 */
final class ConversationKeys {
    private ConversationKeys() {
    }

    static byte[] conversation(ConversationLabelKey key) {
        return encode(key.getCustomerId(), key.getProfileId(), key.getConversationId());
    }

    static byte[] event(byte[] conversation, String eventId) {
        byte[] id = eventId.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(conversation.length + 4 + id.length).put(conversation).putInt(id.length).put(id).array();
    }

    /** Key of the event-route index: the chat event's own primary key. */
    static byte[] eventRoute(String customerId, String profileId, String eventId) {
        return encode(customerId, profileId, eventId);
    }

    static ConversationLabelKey decodeConversation(byte[] bytes) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        return new ConversationLabelKey(part(buffer), part(buffer), part(buffer));
    }

    private static byte[] encode(String a, String b, String c) {
        byte[] x = a.getBytes(StandardCharsets.UTF_8);
        byte[] y = b.getBytes(StandardCharsets.UTF_8);
        byte[] z = c.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(12 + x.length + y.length + z.length)
                .putInt(x.length).put(x).putInt(y.length).put(y).putInt(z.length).put(z).array();
    }

    private static String part(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.getInt()];
        buffer.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
