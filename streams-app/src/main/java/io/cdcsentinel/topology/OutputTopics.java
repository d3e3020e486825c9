package io.cdcsentinel.topology;

import io.cdcsentinel.cdc.CdcTopics;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.TopicNames;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The topics the topologies write (architecture "Topics"): the three Avro outputs are compacted (the
 * latest event per scorecard, bucket and conversation is the state a consumer needs), the dead-letter
 * topic is not (every bad record is kept until retention).
 */
public final class OutputTopics {
    private OutputTopics() {
    }

    public static void ensure(KafkaSettings kafka, TopicNames topics) {
        Optional<Integer> partitions = kafka.topicPartitions() > 0 ? Optional.of(kafka.topicPartitions()) : Optional.empty();
        Optional<Short> replication = kafka.topicReplicationFactor() > 0 ? Optional.of(kafka.topicReplicationFactor())
                : Optional.empty();
        Map<String, String> compacted = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        CdcTopics.createMissing(kafka, List.of(
                new NewTopic(topics.gaps(), partitions, replication).configs(compacted),
                new NewTopic(topics.gapRates(), partitions, replication).configs(compacted),
                new NewTopic(topics.labels(), partitions, replication).configs(compacted),
                new NewTopic(topics.deadLetters(), partitions, replication)
                        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE))));
    }
}
