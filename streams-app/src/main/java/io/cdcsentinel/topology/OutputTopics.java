package io.cdcsentinel.topology;

import io.cdcsentinel.cdc.CdcTopics;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.TopicNames;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topics the topologies write (architecture "Topics"): the three Avro outputs are compacted (the
 * latest event per scorecard, bucket and conversation is the state a consumer needs), the dead-letter
 * topic is not (every bad record is kept until retention).
 *
 * <p>Compression as consumers see it is the topics' {@code compression.type} ({@code kafka.output.compression.type}),
 * separate from the producers' (lz4 for every topic, internal ones included): {@code producer} keeps lz4; another
 * codec makes the broker recompress the output batches only, for consumers without an lz4 codec (kafkajs needs a
 * plugin for it). Applied when the topics are created and, for topics that exist with another value, set again.
 */
public final class OutputTopics {
    private static final Logger LOG = LoggerFactory.getLogger(OutputTopics.class);

    private OutputTopics() {
    }

    public static void ensure(KafkaSettings kafka, TopicNames topics) {
        Optional<Integer> partitions = kafka.topicPartitions() > 0 ? Optional.of(kafka.topicPartitions()) : Optional.empty();
        Optional<Short> replication = kafka.topicReplicationFactor() > 0 ? Optional.of(kafka.topicReplicationFactor())
                : Optional.empty();
        String compression = kafka.outputCompression();
        Map<String, String> compacted = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                TopicConfig.COMPRESSION_TYPE_CONFIG, compression);
        Map<String, String> deleted = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.COMPRESSION_TYPE_CONFIG, compression);
        List<String> names = List.of(topics.gaps(), topics.gapRates(), topics.labels(), topics.deadLetters());
        List<String> existing = existing(kafka, names);
        CdcTopics.createMissing(kafka, List.of(
                new NewTopic(topics.gaps(), partitions, replication).configs(compacted),
                new NewTopic(topics.gapRates(), partitions, replication).configs(compacted),
                new NewTopic(topics.labels(), partitions, replication).configs(compacted),
                new NewTopic(topics.deadLetters(), partitions, replication).configs(deleted)));
        // Only the topics that existed before: the ones just created have it, and a new topic may not be known yet to
        // the broker that answers describeConfigs (UnknownTopicOrPartition right after creation).
        if (!existing.isEmpty()) {
            alignCompression(kafka, existing, compression);
        }
    }

    private static List<String> existing(KafkaSettings kafka, List<String> names) {
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            var all = admin.listTopics().names().get();
            return names.stream().filter(all::contains).toList();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while listing topics", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot list topics at " + kafka.bootstrap() + ": " + e.getCause(), e.getCause());
        }
    }

    /** Sets {@code compression.type} on the topics that have another one (created earlier, or by hand). */
    static void alignCompression(KafkaSettings kafka, Collection<String> names, String compression) {
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            List<ConfigResource> resources = names.stream().map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
            Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get();
            Map<ConfigResource, Collection<AlterConfigOp>> changes = new HashMap<>();
            configs.forEach((resource, config) -> {
                ConfigEntry entry = config.get(TopicConfig.COMPRESSION_TYPE_CONFIG);
                if (entry == null || !compression.equals(entry.value())) {
                    changes.put(resource, List.of(new AlterConfigOp(
                            new ConfigEntry(TopicConfig.COMPRESSION_TYPE_CONFIG, compression), AlterConfigOp.OpType.SET)));
                }
            });
            if (!changes.isEmpty()) {
                admin.incrementalAlterConfigs(changes).all().get();
                LOG.info("compression.type={} set on {}", compression, changes.keySet().stream().map(ConfigResource::name).toList());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while configuring the output topics", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot set compression.type=" + compression + " on " + names
                    + " (kafka.output.compression.type; the principal needs AlterConfigs on them): " + e.getCause(),
                    e.getCause());
        }
    }
}
