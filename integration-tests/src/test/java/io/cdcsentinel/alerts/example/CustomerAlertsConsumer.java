package io.cdcsentinel.alerts.example;

import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.cdcsentinel.avro.GapEventType;
import io.cdcsentinel.avro.ScorecardGapEvent;
import io.cdcsentinel.avro.ScorecardGapKey;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;

/**
 * The README's example consumer: how a team follows its own customer's gap alerts with nothing but a plain
 * {@link KafkaConsumer} and Apicurio's Avro deserializer (the serde the project writes with). It lives in the test
 * tree and {@code AlertsCommandIT} runs it against the real servers, so the README's code cannot rot.
 *
 * <p>The topic is compacted state: on every assignment it re-reads its partitions from the beginning and keeps
 * the latest event per key (a tombstone removes the key), so it needs no state of its own and commits nothing.
 * Records of other customers are skipped by key: keys are spread over every partition, so every partition is read.
 */
public final class CustomerAlertsConsumer implements AutoCloseable {
    private final String customer;
    private final KafkaConsumer<ScorecardGapKey, ScorecardGapEvent> consumer;
    /** Latest event per scorecard, per partition: a rebalance drops and re-reads exactly the partitions it moves. */
    private final Map<TopicPartition, Map<ScorecardGapKey, ScorecardGapEvent>> latest = new HashMap<>();

    /** The consumer configuration; {@code registry} is the registry's base URL, e.g. http://registry:8080. */
    public static Properties config(String bootstrap, String registry, String groupId) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("group.id", groupId);
        p.put("isolation.level", "read_committed");   // the topologies write transactionally
        p.put("enable.auto.commit", "false");          // the state is rebuilt from the beginning on every assignment
        p.put("key.deserializer", AvroKafkaDeserializer.class.getName());   // keys are Avro too
        p.put("value.deserializer", AvroKafkaDeserializer.class.getName());
        p.put("apicurio.registry.url", registry + "/apis/registry/v3");
        p.put("apicurio.registry.use-specific-avro-reader", "true");       // generated classes, not GenericRecord
        // the writer's id format, stated so a change of the serde's defaults cannot break the reader:
        // magic byte 0 + 4-byte content id in the payload, no headers
        p.put("apicurio.registry.id-handler", "io.apicurio.registry.serde.Default4ByteIdHandler");
        p.put("apicurio.registry.use-id", "contentId");
        return p;
    }

    public CustomerAlertsConsumer(Properties config, String topic, String customer) {
        this.customer = customer;
        this.consumer = new KafkaConsumer<>(config);
        consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                consumer.seekToBeginning(partitions);
            }

            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                partitions.forEach(latest::remove);
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                partitions.forEach(latest::remove);
            }
        });
    }

    /** One poll: folds this customer's records into the latest event per scorecard. */
    public void poll(Duration timeout) {
        try {
            for (ConsumerRecord<ScorecardGapKey, ScorecardGapEvent> record : consumer.poll(timeout)) {
                if (!customer.equals(record.key().getCustomer())) {
                    continue;
                }
                Map<ScorecardGapKey, ScorecardGapEvent> partition = latest.computeIfAbsent(
                        new TopicPartition(record.topic(), record.partition()), tp -> new HashMap<>());
                if (record.value() == null) {
                    partition.remove(record.key());   // tombstone: the scorecard's state was dropped
                } else {
                    partition.put(record.key(), record.value());
                }
            }
        } catch (RecordDeserializationException e) {
            // a record this reader cannot decode: note its position and step over it
            System.err.printf("skipping undecodable record %s@%d: %s%n", e.topicPartition(), e.offset(), e.getMessage());
            consumer.seek(e.topicPartition(), e.offset() + 1);
        }
    }

    /** This customer's open gaps: scorecards whose latest event is OPENED. */
    public List<ScorecardGapEvent> openGaps() {
        return latest.values().stream().flatMap(p -> p.values().stream()).filter(e -> e.getEventType() == GapEventType.OPENED)
                .sorted(Comparator.comparing(ScorecardGapEvent::getCreatedAt)).toList();
    }

    @Override
    public void close() {
        consumer.close();
    }
}
