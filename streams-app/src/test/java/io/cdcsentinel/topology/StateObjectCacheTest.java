package io.cdcsentinel.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StateObjectCacheTest {
    /** A mutable value serialized as its text, so the store holds copies and the cache holds the objects. */
    private static final Serde<List<String>> LIST = Serdes.serdeFrom(
            (topic, list) -> String.join(",", list).getBytes(java.nio.charset.StandardCharsets.UTF_8),
            (topic, bytes) -> new ArrayList<>(List.of(new String(bytes, java.nio.charset.StandardCharsets.UTF_8).split(","))));

    private KeyValueStore<String, List<String>> store;
    private StateObjectCache<String, List<String>> cache;

    @BeforeEach
    void setUp() {
        store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("s"), Serdes.String(), LIST)
                .withLoggingDisabled().build();
        store.init(new MockProcessorContext<>().getStateStoreContext(), store);
        cache = new StateObjectCache<>(store, 2);
    }

    @Test
    void shouldReadThroughAndReturnTheSameObjectUntilEvicted() {
        store.put("a", List.of("1"));

        List<String> first = cache.get("a");
        assertThat(first).containsExactly("1");
        assertThat(cache.get("a")).isSameAs(first);
        assertThat(cache.get("missing")).isNull();
    }

    @Test
    void shouldWriteThroughToTheStore() {
        List<String> value = new ArrayList<>(List.of("1"));
        cache.put("a", value);
        value.add("2");
        cache.put("a", value);

        assertThat(store.get("a")).containsExactly("1", "2");
        assertThat(cache.get("a")).isSameAs(value);

        cache.delete("a");
        assertThat(store.get("a")).isNull();
        assertThat(cache.get("a")).isNull();
    }

    @Test
    void shouldReadTheStoreAgainAfterInvalidate() {
        cache.put("a", new ArrayList<>(List.of("1")));
        List<String> changedHalfWay = cache.get("a");
        changedHalfWay.add("never written");

        cache.invalidate("a");

        assertThat(cache.get("a")).containsExactly("1").isNotSameAs(changedHalfWay);
    }

    @Test
    void shouldKeepOnlyTheMostRecentlyUsedEntries() {
        List<String> a = new ArrayList<>(List.of("1"));
        List<String> b = new ArrayList<>(List.of("2"));
        cache.put("a", a);
        cache.put("b", b);
        cache.get("a");
        cache.put("c", new ArrayList<>(List.of("3")));

        assertThat(cache.get("a")).isSameAs(a);
        // b was the least recently used when c came: evicted, so read back from the store as a new object
        assertThat(cache.get("b")).containsExactly("2").isNotSameAs(b);
        assertThat(store.approximateNumEntries()).isEqualTo(3);
    }
}
