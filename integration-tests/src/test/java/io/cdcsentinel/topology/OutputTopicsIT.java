package io.cdcsentinel.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.testing.StackExtension;
import io.cdcsentinel.testing.StackFixture;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** kafka.output.compression.type on the real broker: set on new output topics, applied to existing ones. */
@ExtendWith(StackExtension.class)
class OutputTopicsIT {
    @Test
    void shouldCreateTheOutputsWithTheirCompressionAndRealignTopicsCreatedWithAnother(StackFixture stack) throws Exception {
        ConfigSource config = stack.config(Map.of(KafkaSettings.OUTPUT_COMPRESSION.name(), "gzip"));
        KafkaSettings kafka = KafkaSettings.from(config);
        TopicNames topics = TopicNames.from(config);
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            // created earlier by hand (or by an older version) with lz4
            admin.createTopics(List.of(new NewTopic(topics.labels(), Optional.of(1), Optional.empty())
                    .configs(Map.of(TopicConfig.COMPRESSION_TYPE_CONFIG, "lz4")))).all().get();

            // the others are new: created and, at once, ensured again (a restart right after the first start)
            OutputTopics.ensure(kafka, topics);
            OutputTopics.ensure(kafka, topics);

            for (String topic : List.of(topics.gaps(), topics.gapRates(), topics.labels(), topics.deadLetters())) {
                ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
                assertThat(admin.describeConfigs(List.of(resource)).all().get().get(resource)
                        .get(TopicConfig.COMPRESSION_TYPE_CONFIG).value()).as(topic).isEqualTo("gzip");
            }
        }
    }
}
