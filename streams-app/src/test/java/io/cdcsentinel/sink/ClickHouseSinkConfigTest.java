package io.cdcsentinel.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcsentinel.avro.ConversationLabel;
import io.cdcsentinel.config.ClickHouseSettings;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.SinkSettings;
import io.cdcsentinel.config.TopicNames;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.Test;

class ClickHouseSinkConfigTest {

    private static Map<String, Object> consumerConfig(Map<String, String> values) {
        ConfigSource source = ConfigSource.of(values);
        Deserializer<ConversationLabel> unused = (topic, data) -> null;
        ClickHouseSink sink = new ClickHouseSink(KafkaSettings.from(source), TopicNames.from(source), unused,
                ClickHouseSettings.from(source), SinkSettings.from(source));
        return sink.consumerConfig();
    }

    private static final Map<String, String> BASE = Map.of("kafka.bootstrap", "127.0.0.1:9092",
            "clickhouse.url", "http://127.0.0.1:8123");

    @Test
    void shouldReadOnlyCommittedRecordsAndNeverAutoCommit() {
        Map<String, Object> config = consumerConfig(BASE);
        assertThat(config).containsEntry("isolation.level", "read_committed")
                .containsEntry("enable.auto.commit", false)
                .containsEntry("group.id", "cdc-sentinel-sink")
                .containsEntry("bootstrap.servers", "127.0.0.1:9092");
    }

    @Test
    void shouldAllowAPollIntervalLongerThanOneBatchCanTakeWithAllItsRetries() {
        Map<String, String> values = new java.util.HashMap<>(BASE);
        values.put("sink.retry.attempts", "20");
        values.put("sink.retry.backoff.max", "60s");
        values.put("clickhouse.socket.timeout", "300s");
        Map<String, Object> config = consumerConfig(values);
        long worstCase = SinkSettings.from(ConfigSource.of(values)).worstCaseBatchTime(Duration.ofSeconds(300)).toMillis();
        assertThat((Integer) config.get("max.poll.interval.ms")).isGreaterThan((int) worstCase);
    }

    @Test
    void shouldApplySinkConsumerKeysButNotOverTheGuarantees() {
        Map<String, String> values = new java.util.HashMap<>(BASE);
        values.put("sink.consumer.group.instance.id", "sink-0");
        values.put("sink.consumer.isolation.level", "read_uncommitted");
        values.put("sink.consumer.enable.auto.commit", "true");
        values.put("sink.consumer.group.id", "elsewhere");
        Map<String, Object> config = consumerConfig(values);
        assertThat(config).containsEntry("group.instance.id", "sink-0")
                .containsEntry("isolation.level", "read_committed")
                .containsEntry("enable.auto.commit", false)
                .containsEntry("group.id", "cdc-sentinel-sink");
    }
}
