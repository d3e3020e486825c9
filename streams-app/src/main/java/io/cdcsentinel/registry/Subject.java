package io.cdcsentinel.registry;

import io.cdcsentinel.avro.ConversationLabel;
import io.cdcsentinel.avro.ConversationLabelKey;
import io.cdcsentinel.avro.GapRate;
import io.cdcsentinel.avro.GapRateKey;
import io.cdcsentinel.avro.ScorecardGapEvent;
import io.cdcsentinel.avro.ScorecardGapKey;
import io.cdcsentinel.config.TopicNames;
import java.util.List;
import org.apache.avro.Schema;

/**
 * One subject the project registers: the key or the value schema of one public Avro topic, named as the serdes name
 * it ({@code <topic>-key}, {@code <topic>-value}: Apicurio's {@code TopicIdStrategy}, Confluent's
 * {@code TopicNameStrategy}). The schema is the generated class's, exactly as the serde registers and looks it up
 * (its {@link Schema#toString()}, dereferenced). State stores and internal topics use plain Avro without the
 * registry ({@code PlainAvroSerde}) and have no subject.
 */
public record Subject(String name, String topic, boolean isKey, Schema schema) {

    public static Subject key(String topic, Schema schema) {
        return new Subject(topic + "-key", topic, true, schema);
    }

    public static Subject value(String topic, Schema schema) {
        return new Subject(topic + "-value", topic, false, schema);
    }

    /** Every subject of the output topics, in topic order, key before value. */
    public static List<Subject> all(TopicNames topics) {
        return List.of(
                key(topics.gaps(), ScorecardGapKey.getClassSchema()),
                value(topics.gaps(), ScorecardGapEvent.getClassSchema()),
                key(topics.gapRates(), GapRateKey.getClassSchema()),
                value(topics.gapRates(), GapRate.getClassSchema()),
                key(topics.labels(), ConversationLabelKey.getClassSchema()),
                value(topics.labels(), ConversationLabel.getClassSchema()));
    }

    /** The schema as the registry stores it. */
    public String content() {
        return schema.toString();
    }
}
