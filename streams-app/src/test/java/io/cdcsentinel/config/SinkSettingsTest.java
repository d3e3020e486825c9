package io.cdcsentinel.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdcsentinel.config.SinkSettings.FailureMode;
import io.cdcsentinel.config.SinkSettings.Layout;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SinkSettingsTest {

    @Test
    void shouldApplyDefaultsWhenNothingIsSet() {
        SinkSettings s = SinkSettings.defaults();
        assertThat(s.table()).isEqualTo("conversation_labels");
        assertThat(s.layout()).isEqualTo(Layout.REPLACING);
        assertThat(s.createTable()).isTrue();
        assertThat(s.batchSize()).isEqualTo(10_000);
        assertThat(s.batchLinger()).isEqualTo(Duration.ofMillis(500));
        assertThat(s.retryAttempts()).isEqualTo(10);
        assertThat(s.failureMode()).isEqualTo(FailureMode.STOP);
        assertThat(s.groupId()).isEqualTo("cdc-sentinel-sink");
    }

    @Test
    void shouldDeriveTheGroupIdFromTheStreamsApplicationId() {
        SinkSettings s = SinkSettings.from(ConfigSource.of(Map.of("streams.application.id", "prod-sentinel")));
        assertThat(s.groupId()).isEqualTo("prod-sentinel-sink");
    }

    @Test
    void shouldPreferAnExplicitGroupId() {
        SinkSettings s = SinkSettings.from(ConfigSource.of(Map.of("streams.application.id", "a", "sink.group.id", "my-sink")));
        assertThat(s.groupId()).isEqualTo("my-sink");
    }

    @Test
    void shouldReadEveryKeyFromTheEnvironment() {
        ConfigSource source = ConfigSource.load(null, Map.of(
                "SENTINEL_SINK_LAYOUT", "legacy",
                "SENTINEL_SINK_FAILURE_MODE", "dlq",
                "SENTINEL_SINK_BATCH_SIZE", "500",
                "SENTINEL_SINK_BATCH_LINGER", "2s",
                "SENTINEL_SINK_TABLE", "conversation_with_labels",
                "SENTINEL_SINK_RETRY_ATTEMPTS", "3",
                "SENTINEL_SINK_RETRY_BACKOFF", "100ms",
                "SENTINEL_SINK_RETRY_BACKOFF_MAX", "1s",
                "SENTINEL_SINK_TABLE_CREATE", "false",
                "SENTINEL_SINK_MUTATION_TIMEOUT", "30s"));
        SinkSettings s = SinkSettings.from(source);
        assertThat(s.layout()).isEqualTo(Layout.LEGACY);
        assertThat(s.failureMode()).isEqualTo(FailureMode.DLQ);
        assertThat(s.batchSize()).isEqualTo(500);
        assertThat(s.batchLinger()).isEqualTo(Duration.ofSeconds(2));
        assertThat(s.table()).isEqualTo("conversation_with_labels");
        assertThat(s.retryAttempts()).isEqualTo(3);
        assertThat(s.retryBackoff()).isEqualTo(Duration.ofMillis(100));
        assertThat(s.retryBackoffMax()).isEqualTo(Duration.ofSeconds(1));
        assertThat(s.createTable()).isFalse();
        assertThat(s.mutationTimeout()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void shouldRejectAnUnknownLayoutNamingTheKeyAndTheChoices() {
        assertThatThrownBy(() -> SinkSettings.from(ConfigSource.of(Map.of("sink.layout", "collapsing"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("sink.layout").hasMessageContaining("'collapsing'")
                .hasMessageContaining("replacing").hasMessageContaining("legacy");
    }

    @Test
    void shouldRejectABatchLargerThanOneClickHouseBlock() {
        assertThatThrownBy(() -> SinkSettings.from(ConfigSource.of(Map.of("sink.batch.size", "1000001"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("sink.batch.size")
                .hasMessageContaining("between 1 and 1000000");
    }

    @Test
    void shouldRejectATableNameThatNeedsQuoting() {
        assertThatThrownBy(() -> SinkSettings.from(ConfigSource.of(Map.of("sink.table", "labels; DROP TABLE x"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("sink.table");
    }

    @Test
    void shouldRejectAMaximumBackoffShorterThanTheFirst() {
        assertThatThrownBy(() -> SinkSettings.from(ConfigSource.of(Map.of("sink.retry.backoff", "5s", "sink.retry.backoff.max", "1s"))))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("sink.retry.backoff.max"))
                .hasMessageContaining("sink.retry.backoff");
    }

    @Test
    void shouldRejectAnUnknownFailureMode() {
        assertThatThrownBy(() -> SinkSettings.from(ConfigSource.of(Map.of("sink.failure.mode", "ignore"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("sink.failure.mode").hasMessageContaining("dlq");
    }

    @Test
    void shouldBoundTheWorstCaseTimeOfOneBatchByAttemptsTimeoutsAndBackoff() {
        SinkSettings s = SinkSettings.from(ConfigSource.of(Map.of("sink.retry.attempts", "4", "sink.retry.backoff", "1s",
                "sink.retry.backoff.max", "3s")));
        // 4 requests of 10 s, waits of 1, 2 and 3 s, each up to 20% longer with jitter
        assertThat(s.worstCaseBatchTime(Duration.ofSeconds(10))).isEqualTo(Duration.ofMillis(40_000 + 1_200 + 2_400 + 3_600));
    }

    @Test
    void shouldPassSinkConsumerKeysToTheConsumerWithoutThePrefix() {
        SinkSettings s = SinkSettings.from(ConfigSource.of(Map.of("sink.consumer.group.instance.id", "sink-0",
                "sink.consumer.session.timeout.ms", "10000", "kafka.client.security.protocol", "SSL")));
        assertThat(s.consumerProperties()).containsExactlyInAnyOrderEntriesOf(Map.of("group.instance.id", "sink-0",
                "session.timeout.ms", "10000"));
    }

    @Test
    void shouldJoinAsAStaticMemberNamedAfterTheInstanceUnlessTheSinkKeySaysOtherwise() {
        assertThat(SinkSettings.defaults().consumerProperties()).as("the sink command alone: only when asked")
                .doesNotContainKey("group.instance.id");
        assertThat(SinkSettings.defaults().withStaticMember("pod-0").consumerProperties())
                .containsEntry("group.instance.id", "cdc-sentinel-sink-pod-0");
        assertThat(SinkSettings.from(ConfigSource.of(Map.of("sink.consumer.group.instance.id", "own")))
                .withStaticMember("pod-0").consumerProperties()).containsEntry("group.instance.id", "own");
    }
}
