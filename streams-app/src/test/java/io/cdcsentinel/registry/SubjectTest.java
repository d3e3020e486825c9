package io.cdcsentinel.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcsentinel.avro.ConversationLabel;
import io.cdcsentinel.avro.GapRateKey;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.TopicNames;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SubjectTest {

    @Test
    void shouldNameTheKeyAndValueSubjectOfEveryOutputTopicAsTheSerdesDo() {
        assertThat(Subject.all(TopicNames.defaults())).extracting(Subject::name).containsExactly(
                "scorecard-historic-gaps-key", "scorecard-historic-gaps-value",
                "scorecard-historic-gap-rates-key", "scorecard-historic-gap-rates-value",
                "conversation-labels-key", "conversation-labels-value");
    }

    @Test
    void shouldFollowTheConfiguredTopicNames() {
        TopicNames topics = TopicNames.from(ConfigSource.of(Map.of("topics.labels", "labels-v2")));

        assertThat(Subject.all(topics)).extracting(Subject::name).contains("labels-v2-key", "labels-v2-value")
                .doesNotContain("conversation-labels-value");
    }

    @Test
    void shouldRegisterExactlyTheSchemaTheSerdeWritesWith() {
        // the serde registers, and without auto-registration looks up, the generated class's schema as a string
        assertThat(Subject.value("t", ConversationLabel.getClassSchema()).content()).isEqualTo(ConversationLabel.SCHEMA$.toString());
        assertThat(Subject.key("t", GapRateKey.getClassSchema()).isKey()).isTrue();
    }
}
