package io.cdcsentinel.topology.labels;

import io.cdcsentinel.avro.ConversationLabel;
import io.cdcsentinel.avro.ConversationLabelKey;
import io.cdcsentinel.cdc.ChangeEvent;
import io.cdcsentinel.cdc.ChangeEventSerde;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.topology.AvroSerdes;
import io.cdcsentinel.topology.PlainAvroSerde;
import io.cdcsentinel.topology.Topic;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The topics of the label topology. The CDC keys are read as raw bytes and never interpreted: every
 * change is re-keyed by the conversation found in its row image, so the Debezium key format (schemas on
 * or off) does not matter.
 *
 * @param chats {@code <prefix>.app.chats}
 * @param chatEvents {@code <prefix>.app.chat_events}
 * @param labels {@code conversation-labels}
 */
public record LabelTopics(Topic<byte[], ChangeEvent> chats, Topic<byte[], ChangeEvent> chatEvents,
        Topic<ConversationLabelKey, ConversationLabel> labels) {

    /** Production: labels written with the registry-aware Avro serde. */
    public static LabelTopics create(TopicNames names, AvroSerdes avro) {
        return new LabelTopics(cdc(names.chats()), cdc(names.chatEvents()),
                new Topic<>(names.labels(), avro.forKeys(ConversationLabelKey.class), avro.forValues(ConversationLabel.class)));
    }

    /** Tests and benchmarks: labels as plain Avro binary, no registry needed. */
    public static LabelTopics withPlainAvro(TopicNames names) {
        return new LabelTopics(cdc(names.chats()), cdc(names.chatEvents()), new Topic<>(names.labels(),
                new PlainAvroSerde<>(ConversationLabelKey.class), new PlainAvroSerde<>(ConversationLabel.class)));
    }

    private static Topic<byte[], ChangeEvent> cdc(String name) {
        return new Topic<>(name, Serdes.ByteArray(), new ChangeEventSerde());
    }
}
