package io.cdcsentinel.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DeadlineIndexTest {
    private DeadlineIndex index;

    @BeforeEach
    void setUp() {
        KeyValueStore<Bytes, byte[]> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("t"),
                Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled().build();
        var context = new MockProcessorContext<>();
        store.init(context.getStateStoreContext(), store);
        index = new DeadlineIndex(store);
    }

    @Test
    void shouldReturnDueEntriesEarliestFirstAndRemoveThem() {
        index.add(300, key("c"));
        index.add(100, key("a"));
        index.add(200, key("b"));
        index.add(1_000_000, key("late"));

        List<DeadlineIndex.Due> due = index.pollDue(300, 10);

        assertThat(due).extracting(d -> new String(d.key(), StandardCharsets.UTF_8)).containsExactly("a", "b", "c");
        assertThat(due).extracting(DeadlineIndex.Due::deadline).containsExactly(100L, 200L, 300L);
        assertThat(index.pollDue(300, 10)).isEmpty();
        assertThat(index.pollDue(1_000_000, 10)).hasSize(1);
    }

    @Test
    void shouldHonourTheBatchLimitAndRemovals() {
        index.add(10, key("a"));
        index.add(10, key("b"));
        index.add(10, key("c"));
        index.remove(10, key("b"));

        assertThat(index.pollDue(10, 1)).extracting(d -> new String(d.key(), StandardCharsets.UTF_8)).containsExactly("a");
        assertThat(index.pollDue(10, 5)).extracting(d -> new String(d.key(), StandardCharsets.UTF_8)).containsExactly("c");
    }

    @Test
    void shouldReportTheEarliestDeadline() {
        assertThat(index.nextDeadline()).isEmpty();
        index.add(500, key("b"));
        index.add(70, key("a"));
        assertThat(index.nextDeadline()).hasValue(70);
        index.pollDue(100, 10);
        assertThat(index.nextDeadline()).hasValue(500);
    }

    private static byte[] key(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
