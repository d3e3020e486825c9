package io.cdcsentinel.topology.labels;

import io.cdcsentinel.avro.internal.labels.ChangeEntity;
import io.cdcsentinel.avro.internal.labels.LabelChange;
import io.cdcsentinel.topology.PlainAvroSerde;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The changes of the conversation task that are ahead of the upstream watermark, held back so that they are
 * applied in commit order: {@code (commit time, version, conversation, events before the chats row, event id)},
 * a total order on distinct changes (snapshot rows share one version, hence the rest of the key; a conversation's
 * events go before its row, as the connector snapshots them, so that a snapshot FINAL has them all).
 *
 * <p>Kept twice: in a sorted map in memory, which is what is read, and in a changelogged store, so that what
 * is held back survives a restart exactly-once with the rest of the task's state. A change released within
 * the {@code process} call that brought it (the common case: it was not ahead of the watermark) never touches
 * the store; only those still held at the end of that call are written ({@link #saveHeld}), and deleted
 * again when released.
 */
final class CommitOrderBuffer {
    private final KeyValueStore<Bytes, LabelChange> store;
    private final TreeMap<Bytes, LabelChange> held = new TreeMap<>();
    /** The entry added by the current process() call, not yet in the store. */
    private Bytes unsaved;

    CommitOrderBuffer(KeyValueStore<Bytes, LabelChange> store) {
        this.store = store;
        try (KeyValueIterator<Bytes, LabelChange> it = store.all()) {
            it.forEachRemaining(kv -> held.put(kv.key, kv.value));
        }
    }

    /** A changelogged store for the buffer; caching on, so a change held for less than a commit interval costs one tombstone. */
    static StoreBuilder<KeyValueStore<Bytes, LabelChange>> storeBuilder(String name) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.Bytes(),
                new PlainAvroSerde<>(LabelChange.class)).withCachingEnabled();
    }

    /** Adds a change of the conversation {@code conversation} committed at {@code timestamp}. */
    void add(long timestamp, byte[] conversation, LabelChange change) {
        Bytes key = key(timestamp, conversation, change);
        if (held.put(key, change) == null) {
            unsaved = key;
        }
    }

    /** Removes and returns the first change in commit order if it was committed at or before {@code upTo}. */
    Held pollUpTo(long upTo) {
        if (held.isEmpty()) {
            return null;
        }
        Bytes first = held.firstKey();
        long timestamp = ByteBuffer.wrap(first.get()).getLong();
        if (timestamp > upTo) {
            return null;
        }
        LabelChange change = held.pollFirstEntry().getValue();
        if (first.equals(unsaved)) {
            unsaved = null;
        } else {
            store.delete(first);
        }
        return new Held(timestamp, conversation(first.get()), change);
    }

    boolean isEmpty() {
        return held.isEmpty();
    }

    int size() {
        return held.size();
    }

    /** Writes the change added by the current process() call to the store if it is still held. */
    void saveHeld() {
        if (unsaved != null) {
            store.put(unsaved, held.get(unsaved));
            unsaved = null;
        }
    }

    /** Non-negative commit time, then the version with its sign flipped so that byte order is numeric order. */
    static Bytes key(long timestamp, byte[] conversation, LabelChange change) {
        byte[] event = change.getEventId() == null ? new byte[0] : change.getEventId().getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(16 + conversation.length + 1 + event.length)
                .putLong(Math.max(0, timestamp))
                .putLong(change.getVersion() ^ Long.MIN_VALUE)
                .put(conversation)
                .put((byte) (change.getEntity() == ChangeEntity.EVENT ? 0 : 1))
                .put(event)
                .array());
    }

    /** The conversation key bytes of an entry key: three length-prefixed parts after the 16-byte prefix. */
    private static byte[] conversation(byte[] key) {
        ByteBuffer buffer = ByteBuffer.wrap(key, 16, key.length - 16);
        for (int part = 0; part < 3; part++) {
            int length = buffer.getInt();
            buffer.position(buffer.position() + length);
        }
        return Arrays.copyOfRange(key, 16, buffer.position());
    }

    /** A released change. */
    record Held(long timestamp, byte[] conversation, LabelChange change) {
    }
}
