package io.cdcsentinel.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcsentinel.config.CdcSettings;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.KafkaSettings;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

class CdcRunnerProducerConfigTest {

    private static Map<String, Object> producerConfig(Map<String, String> extra) {
        Map<String, String> config = new HashMap<>(Map.of("kafka.bootstrap", "127.0.0.1:9092"));
        config.putAll(extra);
        ConfigSource source = ConfigSource.of(config);
        return CdcRunner.producerConfig(KafkaSettings.from(source), CdcSettings.from(source));
    }

    @Test
    void shouldBatchAndCompressWithLz4ByDefault() {
        Map<String, Object> config = producerConfig(Map.of());
        assertThat(config).containsEntry(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4")
                .containsEntry(ProducerConfig.LINGER_MS_CONFIG, 5);
    }

    @Test
    void shouldLetTheClientConfigTuneBatchingAndCompressionButNotDurability() {
        Map<String, Object> config = producerConfig(Map.of("kafka.client.compression.type", "zstd",
                "kafka.client.linger.ms", "20", "kafka.client.acks", "1", "kafka.client.enable.idempotence", "false"));
        assertThat(config).containsEntry(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd")
                .containsEntry(ProducerConfig.LINGER_MS_CONFIG, "20")
                .containsEntry(ProducerConfig.ACKS_CONFIG, "all")
                .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    }
}
