package io.cdcsentinel.cdc;

import io.cdcsentinel.config.CdcSettings;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.TopicNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the topics the CDC runner writes, as Kafka Connect's topic creation would: the five table
 * topics (delete policy, retention = the replay horizon), Debezium's transaction and heartbeat topics,
 * and the compacted offsets topic. Existing topics are left as they are.
 */
public final class CdcTopics {
    private CdcTopics() {
    }

    public static void ensure(KafkaSettings kafka, CdcSettings cdc, TopicNames topics) {
        Optional<Integer> partitions = kafka.topicPartitions() > 0 ? Optional.of(kafka.topicPartitions()) : Optional.empty();
        Optional<Short> replication = kafka.topicReplicationFactor() > 0 ? Optional.of(kafka.topicReplicationFactor())
                : Optional.empty();
        Map<String, String> history = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(cdc.topicRetention().toMillis()));
        List<NewTopic> wanted = new ArrayList<>();
        for (String name : topics.cdcTopics()) {
            wanted.add(new NewTopic(name, partitions, replication).configs(history));
        }
        wanted.add(new NewTopic(topics.transactions(), partitions, replication).configs(history));
        wanted.add(new NewTopic(heartbeatTopic(topics), Optional.of(1), replication)
                .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(cdc.topicRetention().toMillis()))));
        wanted.add(new NewTopic(cdc.offsetsTopic(), Optional.of(1), replication)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
        createMissing(kafka, wanted);
    }

    /** Debezium's default heartbeat topic: {@code __debezium-heartbeat.<prefix>}. */
    public static String heartbeatTopic(TopicNames topics) {
        return "__debezium-heartbeat." + topics.prefix();
    }

    /** Creates the topics that do not exist yet; tolerates a concurrent creator. */
    public static void createMissing(KafkaSettings kafka, List<NewTopic> wanted) {
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = wanted.stream().filter(t -> !existing.contains(t.name())).toList();
            if (missing.isEmpty()) {
                return;
            }
            try {
                admin.createTopics(missing).all().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("cannot create topics " + missing + ": " + e.getCause(), e.getCause());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot list topics at " + kafka.bootstrap() + ": " + e.getCause(), e.getCause());
        }
    }
}
