package io.cdcsentinel.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cdcsentinel.testing.StackExtension;
import io.cdcsentinel.testing.StackFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Java API the demo and the tests use: a stack restarted in its directory comes back with its data. */
@ExtendWith(StackExtension.class)
class LocalStackIT {
    private static final Logger LOG = LoggerFactory.getLogger(LocalStackIT.class);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String SCHEMA = "{\"type\":\"record\",\"name\":\"Probe\",\"fields\":[{\"name\":\"x\",\"type\":\"int\"}]}";

    @Test
    void shouldKeepEveryServersDataAcrossDownAndUp(StackFixture fixture) throws Exception {
        Path dir = fixture.newStackDirectory("restart");
        LocalStack.Options options = LocalStack.Options.defaults().requireClickHouse();
        Endpoints endpoints;
        long globalId;
        try (LocalStack stack = LocalStack.up(dir, options)) {
            logStartTimes("fresh directory", stack);
            endpoints = stack.endpoints();
            try (Connection connection = postgres(endpoints); Statement statement = connection.createStatement()) {
                statement.execute("INSERT INTO app.chats (conversation_id, customer_id, profile_id) VALUES ('kept', 'c', 'p')");
            }
            globalId = registerSchema(endpoints.registryUrl());
            try (KafkaProducer<String, String> producer = producer(endpoints.kafkaBootstrap())) {
                producer.send(new ProducerRecord<>("kept", "k", "v")).get(30, TimeUnit.SECONDS);
            }
            String clickhouse = endpoints.clickhouseUrl();
            ClickHouseServer.execute(clickhouse, "CREATE DATABASE kept");
            ClickHouseServer.execute(clickhouse, "CREATE TABLE kept.t (id UInt32) ENGINE = MergeTree ORDER BY id");
            ClickHouseServer.execute(clickhouse, "INSERT INTO kept.t VALUES (42)");
        }
        assertThat(ProcTable.servers(dir)).as("servers after down").isEmpty();

        try (LocalStack again = LocalStack.up(dir, options)) {
            logStartTimes("existing data", again);
            assertThat(again.starts()).noneMatch(LocalStack.ServerStart::alreadyRunning);
            assertThat(again.endpoints()).isEqualTo(endpoints);
            try (Connection connection = postgres(endpoints); Statement statement = connection.createStatement();
                    ResultSet rs = statement.executeQuery("SELECT conversation_id FROM app.chats")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("kept");
            }
            HttpResponse<String> schema = HTTP.send(HttpRequest.newBuilder(URI.create(endpoints.registryUrl()
                    + "/apis/registry/v3/ids/globalIds/" + globalId)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(schema.statusCode()).isEqualTo(200);
            assertThat(schema.body()).contains("Probe");
            assertThat(consume(endpoints.kafkaBootstrap(), "kept")).extracting(ConsumerRecord::value).containsExactly("v");
            assertThat(ClickHouseServer.execute(endpoints.clickhouseUrl(), "SELECT id FROM kept.t").strip()).isEqualTo("42");
        }
    }

    private static void logStartTimes(String what, LocalStack stack) {
        StringBuilder line = new StringBuilder("stack up (" + what + ") in " + stack.took().toMillis() + " ms:");
        stack.starts().forEach(s -> line.append(' ').append(s.component().id()).append(' ').append(s.took().toMillis()).append(" ms"));
        LOG.info("{}", line);
    }

    private static Connection postgres(Endpoints endpoints) throws Exception {
        return DriverManager.getConnection(endpoints.postgresUrl(), endpoints.postgresUser(), endpoints.postgresPassword());
    }

    private static long registerSchema(String registryUrl) throws Exception {
        String body = "{\"artifactId\":\"probe\",\"artifactType\":\"AVRO\",\"firstVersion\":{\"content\":{\"content\":"
                + "\"" + SCHEMA.replace("\"", "\\\"") + "\",\"contentType\":\"application/json\"}}}";
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(registryUrl
                + "/apis/registry/v3/groups/default/artifacts")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        Matcher globalId = Pattern.compile("\"globalId\":(\\d+)").matcher(response.body());
        assertThat(globalId.find()).as(response.body()).isTrue();
        return Long.parseLong(globalId.group(1));
    }

    private static KafkaProducer<String, String> producer(String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }

    private static List<ConsumerRecord<String, String>> consume(String bootstrap, String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition), Duration.ofSeconds(30)).get(partition);
            await("records of " + topic).atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return consumer.position(partition) >= end;
            });
        }
        return records;
    }
}
