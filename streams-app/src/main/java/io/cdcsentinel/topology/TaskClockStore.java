package io.cdcsentinel.topology;

import java.util.Arrays;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * What a task's clocks know, kept in a small changelogged store so that it survives a restart, a {@code kill -9}
 * and a task moving to another instance (issue 17: held labels and due gaps stalled after a restart until a new
 * change arrived, because whether the task was live lived only in memory).
 *
 * <p>Entries: source number (&ge; 0) -> the latest commit time received from that upstream source
 * ({@link UpstreamWatermark}); and three reserved negative keys for the {@link EventTimeClock}: the stream time
 * and the wall clock of the last record, and whether it was live. The values written in one transaction are
 * committed with the records that produced them (exactly-once), so after a crash they describe the last committed
 * record, or one at most {@code saveInterval} before it: a position is a lower bound either way, and a slightly
 * older "last record" only lets the fallback start from an equally live older record.
 *
 * <p>Written at most once per {@code saveInterval} of wall clock from {@code process} (a put per task and
 * interval, not per record), at once when a new source appears, and from the owner's wall-clock punctuator,
 * so the last record before a quiet period is saved within one interval.
 */
public final class TaskClockStore {
    static final int LAST_RECORD_STREAM_TIME = -1;
    static final int LAST_RECORD_WALL_CLOCK = -2;
    static final int LAST_RECORD_LIVE = -3;

    private final KeyValueStore<Integer, Long> store;
    private final long saveIntervalMs;
    private long savedClockChanges = -1;
    private long lastSaveWallClock = Long.MIN_VALUE;
    private long[] savedPositions = new long[0];

    public TaskClockStore(KeyValueStore<Integer, Long> store, long saveIntervalMs) {
        this.store = store;
        this.saveIntervalMs = saveIntervalMs;
    }

    /** Persistent, changelogged, no cache: a handful of keys, written once per interval. */
    public static StoreBuilder<KeyValueStore<Integer, Long>> storeBuilder(String name) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.Integer(), Serdes.Long())
                .withCachingDisabled();
    }

    /**
     * Loads what was saved into {@code clock} and {@code watermark} (null when the owner has none); {@code wallClock}
     * is the time of the (re)start. Nothing saved (a first start): both stay as they are.
     */
    public void restore(EventTimeClock clock, UpstreamWatermark watermark, long wallClock) {
        Long streamTime = null;
        Long recordWallClock = null;
        Long live = null;
        try (KeyValueIterator<Integer, Long> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<Integer, Long> kv = it.next();
                if (kv.key >= 0) {
                    if (watermark != null) {
                        watermark.restore(kv.key, kv.value);
                    }
                    remember(kv.key, kv.value);
                } else if (kv.key == LAST_RECORD_STREAM_TIME) {
                    streamTime = kv.value;
                } else if (kv.key == LAST_RECORD_WALL_CLOCK) {
                    recordWallClock = kv.value;
                } else if (kv.key == LAST_RECORD_LIVE) {
                    live = kv.value;
                }
            }
        }
        if (streamTime != null && recordWallClock != null && live != null) {
            clock.restore(streamTime, recordWallClock, live != 0, wallClock);
            savedClockChanges = clock.changes();
        }
    }

    /**
     * Saves what changed since the last save: at most once per interval, unless a new source appeared (a restart
     * must expect it) or {@code force} (the wall-clock punctuator).
     */
    public void save(EventTimeClock clock, UpstreamWatermark watermark, long wallClock, boolean force) {
        boolean newSource = watermark != null && hasNewSource(watermark);
        if (!force && !newSource && wallClock - lastSaveWallClock < saveIntervalMs) {
            return;
        }
        lastSaveWallClock = wallClock;
        if (watermark != null) {
            for (int source = 0; source < watermark.sources(); source++) {
                long position = watermark.position(source);
                if (position >= 0 && (source >= savedPositions.length || savedPositions[source] != position)) {
                    store.put(source, position);
                    remember(source, position);
                }
            }
        }
        if (clock.changes() != savedClockChanges && clock.lastRecordWallClock() >= 0) {
            store.put(LAST_RECORD_STREAM_TIME, clock.lastRecordStreamTime());
            store.put(LAST_RECORD_WALL_CLOCK, clock.lastRecordWallClock());
            store.put(LAST_RECORD_LIVE, clock.lastRecordWasLive() ? 1L : 0L);
            savedClockChanges = clock.changes();
        }
    }

    private boolean hasNewSource(UpstreamWatermark watermark) {
        for (int source = 0; source < watermark.sources(); source++) {
            if (watermark.position(source) >= 0 && (source >= savedPositions.length || savedPositions[source] < 0)) {
                return true;
            }
        }
        return false;
    }

    private void remember(int source, long position) {
        if (source >= savedPositions.length) {
            int size = savedPositions.length;
            savedPositions = Arrays.copyOf(savedPositions, source + 1);
            Arrays.fill(savedPositions, size, savedPositions.length, -1L);
        }
        savedPositions[source] = position;
    }
}
