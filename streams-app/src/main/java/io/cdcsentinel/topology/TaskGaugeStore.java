package io.cdcsentinel.topology;

import io.cdcsentinel.metrics.SummedGauge;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.ObjLongConsumer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * A task's share of a process-wide gauge ({@link SummedGauge}: open gaps, held labels), kept as counts per tag
 * set in a small changelogged store of the task. Written in the same transaction as the state it counts, so the
 * count stays exact across a crash, a restart and a task moving to another instance: the new owner restores the
 * store and adds its counts to its own process's gauge; the old owner withdrew them when it closed the task (a
 * process killed with {@code kill -9} withdraws nothing, but it exports nothing either).
 *
 * <p>A store created after the state it counts (a deployment upgraded to this version) is seeded once by a scan of
 * that state, then marked seeded. Keys: the tag values joined by {@code \u0000}; the seeded mark is a key no tag starts with.
 */
public final class TaskGaugeStore {
    private static final String SEP = "\u0000";
    private static final String SEEDED = "\u0001seeded";

    private final KeyValueStore<String, Long> store;
    private final SummedGauge gauge;
    private final Map<List<String>, Long> published = new HashMap<>();

    /** Opens the store and publishes its counts, seeding them first with {@code scan} if the store is new. */
    public TaskGaugeStore(KeyValueStore<String, Long> store, SummedGauge gauge,
            Consumer<ObjLongConsumer<List<String>>> scan) {
        this.store = store;
        this.gauge = gauge;
        if (store.get(SEEDED) == null) {
            Map<List<String>, Long> seed = new HashMap<>();
            scan.accept((tags, n) -> seed.merge(List.copyOf(tags), n, Long::sum));
            seed.forEach((tags, n) -> store.put(key(tags), n));
            store.put(SEEDED, 1L);
        }
        try (KeyValueIterator<String, Long> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, Long> kv = it.next();
                if (!kv.key.equals(SEEDED) && kv.value != null && kv.value != 0) {
                    List<String> tags = tags(kv.key);
                    published.merge(tags, kv.value, Long::sum);
                    gauge.add(tags, kv.value);
                }
            }
        }
    }

    /** Persistent, changelogged, no cache: a handful of keys (one per customer and profile). */
    public static StoreBuilder<KeyValueStore<String, Long>> storeBuilder(String name) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.String(), Serdes.Long())
                .withCachingDisabled();
    }

    /** Counts {@code delta} more (or fewer) for these tag values. */
    public void add(List<String> tags, long delta) {
        if (delta == 0) {
            return;
        }
        String key = key(tags);
        Long now = store.get(key);
        long next = (now == null ? 0 : now) + delta;
        if (next == 0) {
            store.delete(key);
        } else {
            store.put(key, next);
        }
        published.merge(List.copyOf(tags), delta, Long::sum);
        gauge.add(tags, delta);
    }

    /** Withdraws this task's counts from the gauge (the task closes: its new owner publishes them). */
    public void close() {
        published.forEach((tags, n) -> gauge.add(tags, -n));
        published.clear();
    }

    private static String key(List<String> tags) {
        List<String> safe = new ArrayList<>(tags.size());
        tags.forEach(t -> safe.add(t == null ? "" : t));
        return String.join(SEP, safe);
    }

    private static List<String> tags(String key) {
        return Arrays.asList(key.split(SEP, -1));
    }
}
