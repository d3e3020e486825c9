package io.cdcsentinel.sink;

import static io.cdcsentinel.sink.LabelRowEncoderTest.label;
import static io.cdcsentinel.sink.SinkFixtures.pending;
import static io.cdcsentinel.sink.SinkFixtures.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdcsentinel.avro.ConversationLabel;
import io.cdcsentinel.avro.LabelKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.Test;

class LabelDecoderTest {
    private final SinkCounters counters = new SinkCounters();
    private final CloseSignal closing = new CloseSignal();
    private final Backoff backoff = new Backoff(Duration.ofMillis(1), Duration.ofMillis(1), () -> 0.5);

    /** Values are conversation ids; "bad" cannot be decoded, "negative" decodes to a label the table cannot hold. */
    private static final Deserializer<ConversationLabel> BY_CONVERSATION = (topic, data) -> {
        String value = new String(data, StandardCharsets.UTF_8);
        return switch (value) {
            case "bad" -> throw new IllegalArgumentException("unknown magic byte");
            case "null" -> null;
            case "negative" -> label().setAssistShownCount(-1).build();
            default -> label().setConversationId(value).build();
        };
    };

    private LabelDecoder decoder(Deserializer<ConversationLabel> deserializer, int attempts) {
        return new LabelDecoder(deserializer, "sentinel-dlq", attempts, backoff, closing, counters);
    }

    @Test
    void shouldDecodeLabelsCountTombstonesAndTurnBadRecordsIntoDeadLetters() {
        LabelDecoder.Decoded decoded = decoder(BY_CONVERSATION, 3).decode(List.of(record(0, 0, "conv-a"), record(0, 1, null),
                record(0, 2, "bad"), record(0, 3, "negative"), record(0, 4, "null"), record(0, 5, "conv-b")));

        assertThat(decoded.rows()).extracting(PendingLabel::offset).containsExactly(0L, 5L);
        assertThat(decoded.rows()).extracting(p -> p.label().getConversationId()).containsExactly("conv-a", "conv-b");
        assertThat(decoded.letters()).extracting(l -> l.record().offset()).containsExactly(2L, 3L, 4L);
        assertThat(decoded.letters()).allSatisfy(l -> assertThat(l.reason()).isInstanceOf(BadLabelException.class));
        assertThat(counters.tombstones).hasValue(1);
        assertThat(counters.retries).hasValue(0);
    }

    @Test
    void shouldRetryARegistryThatCannotBeReachedInsteadOfDeadLetteringTheRecord() {
        AtomicInteger calls = new AtomicInteger();
        Deserializer<ConversationLabel> flaky = (topic, data) -> {
            if (calls.incrementAndGet() < 3) {
                throw new UncheckedIOException(new IOException("registry: Connection refused"));
            }
            return label().build();
        };

        LabelDecoder.Decoded decoded = decoder(flaky, 3).decode(List.of(record(0, 7, "x")));

        assertThat(decoded.rows()).hasSize(1);
        assertThat(decoded.letters()).isEmpty();
        assertThat(counters.retries).hasValue(2);
    }

    @Test
    void shouldStopTheSinkWhenTheRegistryStaysUnreachable() {
        Deserializer<ConversationLabel> down = (topic, data) -> {
            throw new UncheckedIOException(new IOException("registry: Connection refused"));
        };

        assertThatThrownBy(() -> decoder(down, 2).decode(List.of(record(0, 7, "x"))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("schema registry unreachable")
                .hasMessageContaining("conversation-labels-0@7").hasMessageContaining("after 2 attempts");
    }

    @Test
    void shouldGiveUpTheWaitForTheRegistryWhenTheSinkIsClosed() {
        Deserializer<ConversationLabel> down = (topic, data) -> {
            throw new UncheckedIOException(new IOException("registry: Connection refused"));
        };
        closing.request();

        assertThatThrownBy(() -> decoder(down, 5).decode(List.of(record(0, 7, "x")))).isInstanceOf(SinkClosedException.class);
    }

    @Test
    void shouldKeepTheLastLabelOfEachConversationInOffsetOrderAndCountTheOthers() {
        LabelDecoder decoder = decoder(BY_CONVERSATION, 3);
        List<PendingLabel> rows = List.of(pending(0, label().setConversationId("a").build()),
                pending(1, label().setConversationId("b").build()),
                pending(2, label().setConversationId("a").setKind(LabelKind.CORRECTION).build()));

        List<PendingLabel> kept = decoder.latestPerConversation(rows);

        assertThat(kept).extracting(PendingLabel::offset).containsExactly(1L, 2L);
        assertThat(counters.superseded).hasValue(1);
        List<PendingLabel> distinct = List.of(rows.get(0), rows.get(1));
        assertThat(decoder.latestPerConversation(distinct)).isSameAs(distinct);
    }
}
