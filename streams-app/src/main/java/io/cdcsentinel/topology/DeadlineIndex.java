package io.cdcsentinel.topology;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Timers as data: a state store ordered by deadline, so a punctuator finds what is due with one range
 * scan instead of walking every entity. Entry key = 8-byte big-endian deadline (epoch ms, non-negative,
 * so byte order is time order) followed by the entity's key bytes; the value is unused.
 *
 * <p>The index lives in a changelogged store, so timers survive restarts and rebalances with the rest
 * of the task's state (exactly-once with it). The owner keeps the deadline it scheduled in its entity
 * state, to {@link #remove} or reschedule it.
 */
public final class DeadlineIndex {
    private static final byte[] EMPTY = new byte[0];

    private final KeyValueStore<Bytes, byte[]> store;

    public DeadlineIndex(KeyValueStore<Bytes, byte[]> store) {
        this.store = store;
    }

    /** A persistent (RocksDB), changelogged store for an index; caching off so removals are immediate. */
    public static StoreBuilder<KeyValueStore<Bytes, byte[]>> storeBuilder(String name) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.Bytes(), Serdes.ByteArray())
                .withCachingDisabled();
    }

    public void add(long deadline, byte[] key) {
        store.put(entry(deadline, key), EMPTY);
    }

    public void remove(long deadline, byte[] key) {
        store.delete(entry(deadline, key));
    }

    /**
     * Removes and returns up to {@code max} entries whose deadline is at or before {@code upTo}, earliest
     * first. Bounded so that one punctuation cannot stall the task (the rest is due at the next one).
     */
    public List<Due> pollDue(long upTo, int max) {
        if (upTo < 0) {
            return List.of();
        }
        List<Due> due = new ArrayList<>();
        Bytes from = Bytes.wrap(ByteBuffer.allocate(8).putLong(0L).array());
        Bytes to = Bytes.wrap(ByteBuffer.allocate(8).putLong(upTo).array());
        List<Bytes> toDelete = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = store.range(from, Bytes.increment(to))) {
            while (it.hasNext() && due.size() < max) {
                KeyValue<Bytes, byte[]> kv = it.next();
                ByteBuffer buffer = ByteBuffer.wrap(kv.key.get());
                long deadline = buffer.getLong();
                if (deadline > upTo) {
                    break;
                }
                byte[] key = new byte[buffer.remaining()];
                buffer.get(key);
                due.add(new Due(deadline, key));
                toDelete.add(kv.key);
            }
        }
        toDelete.forEach(store::delete);
        return due;
    }

    /**
     * The earliest deadline in the index, if any. Lets an owner that checks for due timers on every record
     * keep this in memory and skip the range scan until stream time reaches it.
     */
    public OptionalLong nextDeadline() {
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            return it.hasNext() ? OptionalLong.of(ByteBuffer.wrap(it.next().key.get()).getLong()) : OptionalLong.empty();
        }
    }

    static Bytes entry(long deadline, byte[] key) {
        if (deadline < 0) {
            throw new IllegalArgumentException("deadline must be >= 0: " + deadline);
        }
        return Bytes.wrap(ByteBuffer.allocate(8 + key.length).putLong(deadline).put(key).array());
    }

    /** One due timer: its deadline and the entity key bytes it was scheduled for. */
    public record Due(long deadline, byte[] key) {
    }
}
