package io.cdcsentinel.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.StreamsSettings;
import io.cdcsentinel.config.TopicNames;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class StreamsPropertiesTest {

    private static Properties create(Map<String, String> extra) {
        Map<String, String> config = new HashMap<>(Map.of("kafka.bootstrap", "127.0.0.1:9092"));
        config.putAll(extra);
        ConfigSource source = ConfigSource.of(config);
        return StreamsProperties.create("app", KafkaSettings.from(source), StreamsSettings.from(source),
                TopicNames.from(source));
    }

    @Test
    void shouldCompressWithLz4ByDefault() {
        assertThat(create(Map.of()).get("producer.compression.type")).isEqualTo("lz4");
    }

    @Test
    void shouldLetTheClientConfigChooseTheCompression() {
        assertThat(create(Map.of("kafka.client.compression.type", "zstd")).get("producer.compression.type"))
                .isEqualTo("zstd");
        assertThat(create(Map.of("kafka.client.producer.compression.type", "none")).get("producer.compression.type"))
                .isEqualTo("none");
    }

    @Test
    void shouldKeepExactlyOnceWhateverTheClientConfigSays() {
        assertThat(create(Map.of("kafka.client.processing.guarantee", "at_least_once"))
                .get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
    }

    @Test
    void shouldJoinAsAStaticMemberNamedAfterTheHostAndStateDirectoryByDefault() {
        Object auto = create(Map.of("streams.state.dir", "/var/lib/sentinel")).get("main.consumer.group.instance.id");
        assertThat(auto).as("stable across restarts").isEqualTo(create(Map.of("streams.state.dir", "/var/lib/sentinel"))
                .get("main.consumer.group.instance.id"));
        assertThat(auto.toString()).startsWith("app-");
        assertThat(auto).as("another state directory, another instance")
                .isNotEqualTo(create(Map.of("streams.state.dir", "/var/lib/other")).get("main.consumer.group.instance.id"));
        assertThat(create(Map.of("streams.instance.name", "pod-0")).get("main.consumer.group.instance.id"))
                .isEqualTo("app-pod-0");
        assertThat(create(Map.of("streams.instance.name", "none")).get("main.consumer.group.instance.id"))
                .as("dynamic membership").isNull();
    }
}
