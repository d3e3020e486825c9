package io.cdcsentinel.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cdcsentinel.config.CdcSettings;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.PostgresSettings;
import io.cdcsentinel.config.TopicNames;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Kafka Connect deployment (connect-config/) and the embedded engine capture the same way. */
class DebeziumPropertiesTest {

    @Test
    void shouldMatchTheKafkaConnectConfigurationKeyForKey() throws Exception {
        Path json = Path.of("..", "connect-config", "sentinel-postgres-source.json");
        JsonNode config = new ObjectMapper().readTree(json.toFile()).get("config");
        Map<String, String> connect = new HashMap<>();
        config.fields().forEachRemaining(e -> connect.put(e.getKey(), e.getValue().asText()));

        ConfigSource defaults = ConfigSource.of(Map.of("postgres.url", "jdbc:postgresql://h:5432/sentinel"));
        Map<String, String> embedded = DebeziumProperties.connector(PostgresSettings.from(defaults),
                CdcSettings.from(defaults), TopicNames.from(defaults));

        embedded.forEach((key, value) -> {
            if (key.startsWith("database.")) {
                // secrets and endpoints come from the worker's config provider, never literals
                assertThat(connect.get(key)).as(key).startsWith("${file:");
            } else {
                assertThat(connect.get(key)).as(key).isEqualTo(value);
            }
        });
        assertThat(connect).containsEntry("key.converter.schemas.enable", "false")
                .containsEntry("value.converter.schemas.enable", "false");
    }

    @Test
    void shouldSnapshotHistoricRowsBeforeTheirScorecards() {
        assertThat(DebeziumProperties.SNAPSHOT_ORDER.indexOf("historic.scorecard_scores"))
                .isLessThan(DebeziumProperties.SNAPSHOT_ORDER.indexOf("director.scorecards"));
        assertThat(DebeziumProperties.SNAPSHOT_ORDER).containsExactlyInAnyOrderElementsOf(SourceSchema.TABLES);
    }

    /**
     * Regression found by ConversationLabelsEndToEndIT: with chats snapshotted first, the events' snapshot reads
     * (and behind them, in the events topic, the events committed during the snapshot) came more than the settle
     * window after the conversations' rows, so snapshotted conversations and conversations that ended during the
     * snapshot got a FINAL without (some of) their events and then a CORRECTION: two physical rows for a
     * conversation that never changed after its end (186 of 2,252 in one run).
     */
    @Test
    void shouldSnapshotChatEventsBeforeTheirConversations() {
        assertThat(DebeziumProperties.SNAPSHOT_ORDER.indexOf("app.chat_events"))
                .isLessThan(DebeziumProperties.SNAPSHOT_ORDER.indexOf("app.chats"));
        assertThat(DebeziumProperties.SNAPSHOT_ORDER.indexOf("app.chats"))
                .isLessThan(DebeziumProperties.SNAPSHOT_ORDER.indexOf("director.scorecards"));
    }
}
