package io.cdcsentinel.config;

import java.util.List;

/**
 * Names of every topic the project reads or writes. CDC topics follow Debezium's
 * {@code <prefix>.<schema>.<table>}; the output topic names are the contract consumers rely on.
 */
public record TopicNames(String prefix, String gaps, String gapRates, String labels, String deadLetters) {

    public static final ConfigKey<String> PREFIX = ConfigKey.string("topic.prefix",
            "Debezium topic.prefix: CDC topics are <prefix>.<schema>.<table>")
            .withDefault("cdc").validate(TopicNames::isLegalTopicName, "a legal Kafka topic name prefix ([a-zA-Z0-9._-]+)");
    public static final ConfigKey<String> GAPS = ConfigKey.string("topics.gaps", "scorecard gap alerts (compacted, Avro)")
            .withDefault("scorecard-historic-gaps").validate(TopicNames::isLegalTopicName, "a legal Kafka topic name");
    public static final ConfigKey<String> GAP_RATES = ConfigKey.string("topics.gap-rates",
            "missing-rate roll-ups and threshold alerts (compacted, Avro)")
            .withDefault("scorecard-historic-gap-rates").validate(TopicNames::isLegalTopicName, "a legal Kafka topic name");
    public static final ConfigKey<String> LABELS = ConfigKey.string("topics.labels", "final conversation labels (compacted, Avro)")
            .withDefault("conversation-labels").validate(TopicNames::isLegalTopicName, "a legal Kafka topic name");
    public static final ConfigKey<String> DLQ = ConfigKey.string("topics.dlq", "dead-letter topic for bad input")
            .withDefault("sentinel-dlq").validate(TopicNames::isLegalTopicName, "a legal Kafka topic name");

    public static final List<ConfigKey<?>> KEYS = List.of(PREFIX, GAPS, GAP_RATES, LABELS, DLQ);

    public static TopicNames from(ConfigSource source) {
        return new TopicNames(PREFIX.read(source), GAPS.read(source), GAP_RATES.read(source), LABELS.read(source),
                DLQ.read(source));
    }

    public static TopicNames defaults() {
        return from(ConfigSource.of(java.util.Map.of()));
    }

    public String scorecards() {
        return prefix + ".director.scorecards";
    }

    public String scores() {
        return prefix + ".director.scores";
    }

    public String historicScores() {
        return prefix + ".historic.scorecard_scores";
    }

    public String chats() {
        return prefix + ".app.chats";
    }

    public String chatEvents() {
        return prefix + ".app.chat_events";
    }

    /** Debezium's transaction metadata topic ({@code provide.transaction.metadata=true}). */
    public String transactions() {
        return prefix + ".transaction";
    }

    public List<String> cdcTopics() {
        return List.of(scorecards(), scores(), historicScores(), chats(), chatEvents());
    }

    static boolean isLegalTopicName(String s) {
        return s.matches("[a-zA-Z0-9._-]+") && s.length() <= 200;
    }
}
