package io.cdcsentinel.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cdcsentinel.testing.StackExtension;
import io.cdcsentinel.testing.StackFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The broker of a private stack survives {@code kill -9}: same port, same data directory, same records. */
@ExtendWith(StackExtension.class)
class KafkaBrokerIT {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaBrokerIT.class);
    private static final int RECORDS = 1_000;

    @Test
    void shouldKeepTopicsAndRecordsWhenTheBrokerIsKilledAndStartedAgain(StackFixture fixture) throws Exception {
        KafkaBroker broker = fixture.withPrivate(Component.KAFKA).kafka();
        String bootstrap = broker.bootstrap();
        long pidBefore = broker.pid().orElseThrow();
        String orders = fixture.uniqueName("orders");
        String labels = fixture.uniqueName("labels");
        try (Admin admin = admin(bootstrap)) {
            admin.createTopics(List.of(new NewTopic(orders, 3, (short) 1),
                    new NewTopic(labels, 1, (short) 1).configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, "compact"))))
                    .all().get(30, TimeUnit.SECONDS);
        }
        produce(bootstrap, orders, IntStream.range(0, RECORDS).mapToObj(i -> new ProducerRecord<>(orders, "k" + i, "v" + i)).toList());
        produce(bootstrap, labels, List.of(new ProducerRecord<>(labels, "c1", "FINAL"), new ProducerRecord<>(labels, "c2", "FINAL")));

        broker.kill();

        assertThat(ProcTable.running(pidBefore)).as("broker process after kill -9").isFalse();
        assertThat(broker.isRunning()).isFalse();
        long begin = System.nanoTime();
        broker.start();
        LOG.info("Kafka broker restart after kill -9: ready in {} ms", (System.nanoTime() - begin) / 1_000_000);

        assertThat(broker.bootstrap()).isEqualTo(bootstrap);
        assertThat(broker.pid().orElseThrow()).isNotEqualTo(pidBefore);
        try (Admin admin = admin(bootstrap)) {
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains(orders, labels);
            TopicDescription description = admin.describeTopics(List.of(orders)).allTopicNames().get(30, TimeUnit.SECONDS).get(orders);
            assertThat(description.partitions()).hasSize(3);
        }
        Map<String, String> ordersAfter = consumeAll(bootstrap, orders, RECORDS);
        assertThat(ordersAfter).hasSize(RECORDS);
        IntStream.range(0, RECORDS).forEach(i -> assertThat(ordersAfter).containsEntry("k" + i, "v" + i));
        assertThat(consumeAll(bootstrap, labels, 2)).containsExactlyInAnyOrderEntriesOf(Map.of("c1", "FINAL", "c2", "FINAL"));

        produce(bootstrap, orders, List.of(new ProducerRecord<>(orders, "after", "restart")));
        assertThat(consumeAll(bootstrap, orders, RECORDS + 1)).containsEntry("after", "restart");
    }

    private static Admin admin(String bootstrap) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return Admin.create(props);
    }

    private static void produce(String bootstrap, String topic, List<ProducerRecord<String, String>> records) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            List<java.util.concurrent.Future<?>> sends = new ArrayList<>();
            records.forEach(r -> sends.add(producer.send(r)));
            for (var send : sends) {
                send.get(30, TimeUnit.SECONDS);
            }
        }
        LOG.debug("produced {} records to {}", records.size(), topic);
    }

    /** Reads every partition of {@code topic} from the beginning until {@code expected} records arrived. */
    private static Map<String, String> consumeAll(String bootstrap, String topic, int expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Map<String, String> values = new HashMap<>();
        List<ConsumerRecord<String, String>> seen = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await("records of " + topic).atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
                return seen.size() >= expected;
            });
        }
        seen.forEach(r -> values.put(r.key(), r.value()));
        assertThat(seen).hasSize(expected);
        return values;
    }
}
