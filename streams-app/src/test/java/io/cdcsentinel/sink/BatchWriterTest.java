package io.cdcsentinel.sink;

import static io.cdcsentinel.sink.LabelRowEncoderTest.label;
import static io.cdcsentinel.sink.SinkFixtures.TOPIC;
import static io.cdcsentinel.sink.SinkFixtures.fatal;
import static io.cdcsentinel.sink.SinkFixtures.pending;
import static io.cdcsentinel.sink.SinkFixtures.retriable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdcsentinel.avro.LabelKind;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.SinkSettings;
import io.cdcsentinel.config.SinkSettings.Layout;
import io.cdcsentinel.sink.BatchWriter.BatchFailedException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The writer against a fake store: what it asks ClickHouse, and in which order, when INSERTs fail. */
class BatchWriterTest {
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);

    /** Records every request; each INSERT takes the next scripted outcome (null = success). */
    static final class FakeStore implements SinkStore {
        final List<String> requests = new ArrayList<>();
        final Deque<RuntimeException> insertOutcomes = new ArrayDeque<>();
        final Deque<Set<String>> running = new ArrayDeque<>();
        final Deque<Long> pendingMutations = new ArrayDeque<>();
        OptionalLong maxOffset = OptionalLong.empty();
        final List<Integer> insertedRows = new ArrayList<>();

        @Override
        public void insert(String queryId, LabelRowEncoder.RowBuffer rows) {
            requests.add("insert " + queryId + " " + rows.rows());
            RuntimeException outcome = insertOutcomes.poll();
            if (outcome != null) {
                throw outcome;
            }
            insertedRows.add(rows.rows());
        }

        @Override
        public Map<Integer, Long> maxOffsets(String topic) {
            requests.add("maxOffsets");
            return Map.of();
        }

        @Override
        public OptionalLong maxOffset(String topic, int partition) {
            requests.add("maxOffset " + partition);
            return maxOffset;
        }

        @Override
        public Set<String> runningQueries(Collection<String> queryIds) {
            requests.add("running " + queryIds);
            Set<String> r = running.poll();
            return r == null ? Set.of() : r;
        }

        @Override
        public void deleteConversations(Collection<ConversationKey> keys) {
            requests.add("delete " + keys.size());
        }

        @Override
        public long pendingMutations() {
            requests.add("mutations");
            Long n = pendingMutations.poll();
            return n == null ? 0 : n;
        }
    }

    private final FakeStore store = new FakeStore();
    private final SinkCounters counters = new SinkCounters();
    private final CloseSignal closing = new CloseSignal();

    private BatchWriter writer(Layout layout, int attempts) {
        Map<String, String> values = new HashMap<>(Map.of("sink.retry.attempts", Integer.toString(attempts),
                "sink.retry.backoff", "1ms", "sink.retry.backoff.max", "2ms", "sink.layout", layout.name().toLowerCase()));
        SinkSettings settings = SinkSettings.from(ConfigSource.of(values));
        LabelTable table = new LabelTable("db", "conversation_labels", layout);
        return new BatchWriter(store, table, settings, Duration.ofSeconds(1), new Backoff(Duration.ofMillis(1),
                Duration.ofMillis(2), () -> 0.5), closing, counters, new LabelRowEncoder(layout, TOPIC));
    }

    private static List<PendingLabel> rows(long from, long to) {
        List<PendingLabel> rows = new ArrayList<>();
        for (long o = from; o <= to; o++) {
            rows.add(pending(o, label().setConversationId("conv-" + o).build()));
        }
        return rows;
    }

    @Test
    void shouldInsertOnlyTheRowsClickHouseDoesNotHoldAfterAFailedAttempt() {
        BatchWriter writer = writer(Layout.REPLACING, 3);
        store.maxOffset = OptionalLong.of(12);

        writer.retryInsert(P0, rows(10, 14), 3, retriable());

        String queryId = writer.queryId(P0);
        assertThat(store.requests).containsExactly("running [" + queryId + "]", "maxOffset 0", "insert " + queryId + " 2");
        assertThat(counters.rowsWritten).as("3 rows of the failed attempt + 2 inserted").hasValue(5);
        assertThat(counters.batchesWritten).hasValue(1);
        assertThat(counters.retries).hasValue(1);
    }

    @Test
    void shouldInsertNothingWhenTheFailedAttemptLandedInFull() {
        BatchWriter writer = writer(Layout.REPLACING, 3);
        store.maxOffset = OptionalLong.of(14);

        writer.retryInsert(P0, rows(10, 14), 3, retriable());

        assertThat(store.requests).noneMatch(r -> r.startsWith("insert"));
        assertThat(counters.rowsWritten).hasValue(5);
        assertThat(counters.batchesWritten).hasValue(1);
    }

    @Test
    void shouldWaitForARunningAttemptBeforeReadingWhatClickHouseHolds() {
        BatchWriter writer = writer(Layout.REPLACING, 3);
        String queryId = writer.queryId(P0);
        store.running.add(Set.of(queryId));

        writer.retryInsert(P0, rows(0, 0), 3, retriable());

        assertThat(store.requests).startsWith("running [" + queryId + "]", "running [" + queryId + "]", "maxOffset 0");
    }

    @Test
    void shouldGiveUpAfterTheLastAttemptWithTheRowsClickHouseDoesNotHold() {
        BatchWriter writer = writer(Layout.REPLACING, 3);
        store.insertOutcomes.add(retriable());
        store.insertOutcomes.add(retriable());
        store.maxOffset = OptionalLong.of(10);

        assertThatThrownBy(() -> writer.retryInsert(P0, rows(10, 12), 3, retriable()))
                .isInstanceOfSatisfying(BatchFailedException.class, e -> {
                    assertThat(e.attempts).isEqualTo(3);
                    assertThat(e.remaining).extracting(PendingLabel::offset).containsExactly(11L, 12L);
                });
        assertThat(store.requests).filteredOn(r -> r.startsWith("insert")).hasSize(2);
        assertThat(counters.retries).hasValue(2);
    }

    @Test
    void shouldNotRetryAFailureThatIsNotRetriable() {
        BatchWriter writer = writer(Layout.REPLACING, 5);

        assertThatThrownBy(() -> writer.retryInsert(P0, rows(0, 1), 5, fatal()))
                .isInstanceOfSatisfying(BatchFailedException.class, e -> assertThat(e.attempts).isEqualTo(1));
        assertThat(store.requests).isEmpty();
    }

    @Test
    void shouldStopWaitingAndWriteNothingWhenTheSinkIsClosed() {
        BatchWriter writer = writer(Layout.REPLACING, 5);
        closing.request();

        assertThatThrownBy(() -> writer.retryInsert(P0, rows(0, 1), 5, retriable())).isInstanceOf(SinkClosedException.class);
        assertThat(store.requests).isEmpty();
    }

    @Test
    void shouldDeleteTheCorrectedConversationsAndWaitForTheMutationInTheLegacyLayout() {
        BatchWriter writer = writer(Layout.LEGACY, 3);
        store.pendingMutations.add(1L);

        writer.deleteCorrected(List.of(pending(0, label().setConversationId("a").build()),
                pending(1, label().setConversationId("b").setKind(LabelKind.CORRECTION).build()),
                pending(2, label().setConversationId("c").setKind(LabelKind.DELETE).build())));

        assertThat(store.requests).containsExactly("delete 2", "mutations", "mutations");
        assertThat(counters.mutations).hasValue(1);
    }

    @Test
    void shouldNotDeleteAnythingForABatchOfFinalLabels() {
        writer(Layout.LEGACY, 3).deleteCorrected(rows(0, 2));

        assertThat(store.requests).isEmpty();
        assertThat(counters.mutations).hasValue(0);
    }

    @Test
    void shouldRetryOtherRequestsWhileTheyFailRetriablyThenNameWhatFailed() {
        BatchWriter writer = writer(Layout.REPLACING, 3);
        Deque<RuntimeException> failures = new ArrayDeque<>(List.of(retriable(), retriable()));
        Supplier<String> request = () -> {
            RuntimeException f = failures.poll();
            if (f != null) {
                throw f;
            }
            return "ok";
        };

        assertThat(writer.withRetries("read max(kafka_offset)", request)).isEqualTo("ok");
        assertThat(counters.retries).hasValue(2);

        failures.addAll(List.of(retriable(), retriable(), retriable()));
        assertThatThrownBy(() -> writer.withRetries("read max(kafka_offset)", request))
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("cannot read max(kafka_offset): ");
        assertThatThrownBy(() -> writer.withRetries("prepare table", () -> {
            throw fatal();
        })).isInstanceOf(IllegalStateException.class).hasMessageStartingWith("cannot prepare table: ");
    }

    @Test
    void shouldSendOneInsertUnderThePartitionsQueryId() {
        BatchWriter writer = writer(Layout.REPLACING, 3);
        List<PendingLabel> rows = rows(0, 2);

        writer.insert(P0, writer.queryId(P0), new LabelRowEncoder(Layout.REPLACING, TOPIC).encode(0, rows), rows);

        assertThat(store.requests).containsExactly("insert " + writer.queryId(P0) + " 3");
        assertThat(writer.queryId(P0)).isEqualTo(new LabelTable("db", "conversation_labels", Layout.REPLACING)
                .insertQueryId(TOPIC, 0));
    }
}
