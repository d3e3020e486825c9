package io.cdcsentinel.topology;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A read-through cache of <em>deserialized</em> values in front of a key-value store, for a processor that is
 * the store's only writer and reads back what it has just written.
 *
 * <p>Why: Kafka Streams' record cache holds serialized bytes, so every {@code get} of a value that was {@code put}
 * a moment ago decodes it again. The gap topology's scorecard state is read and written once per score row of
 * its scorecard, a few in a row; measured on a replay, decoding those reads took about a sixth of the state
 * thread. Writes still go to the store at once (serialized, through its record cache and changelog), so what is
 * committed is exactly what it was without this cache.
 *
 * <p>Rules that keep it equal to the store: every write and delete goes through it; a value taken from it and
 * changed must be written back, or {@link #invalidate}d if processing fails half-way (the store still has the
 * last value written); a new instance per processor {@code init}, so a task restored, revived after an aborted
 * transaction, or moved to another thread starts empty.
 */
public final class StateObjectCache<K, V> {
    private final KeyValueStore<K, V> store;
    private final Map<K, V> recent;

    /** {@code capacity}: entries kept, least recently used dropped first. */
    public StateObjectCache(KeyValueStore<K, V> store, int capacity) {
        this.store = store;
        this.recent = new LinkedHashMap<>(Math.min(capacity, 1 << 16), 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > capacity;
            }
        };
    }

    public V get(K key) {
        V value = recent.get(key);
        if (value == null) {
            value = store.get(key);
            if (value != null) {
                recent.put(key, value);
            }
        }
        return value;
    }

    public void put(K key, V value) {
        store.put(key, value);
        recent.put(key, value);
    }

    public void delete(K key) {
        store.delete(key);
        recent.remove(key);
    }

    /** Forgets the cached value of {@code key}: the next {@link #get} reads the store. */
    public void invalidate(K key) {
        recent.remove(key);
    }
}
