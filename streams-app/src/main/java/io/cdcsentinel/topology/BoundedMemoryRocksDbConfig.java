package io.cdcsentinel.topology;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Bounds the off-heap memory of every RocksDB store in the process (issue 16: 1.1 GB of state at bench scale 10,
 * with one block cache and memtables per store, grew with the number of stores x tasks). Kafka Streams'
 * "bounded memory" recipe: one {@link LRUCache} of {@code streams.rocksdb.memory.mb} shared by every store of both
 * topologies, with a {@link WriteBufferManager} charging the memtables to that same cache (at most
 * {@code streams.rocksdb.write.buffer.ratio} of it), and index and filter blocks cached in it as well (high priority,
 * top level pinned), so the total no longer depends on how many stores and tasks an instance holds.
 *
 * <p>The cache is static: Kafka Streams creates one config setter per store, and the point is that they share. It is
 * sized by the first store that opens; both topologies of one process read the same settings. Never closed in
 * {@link #close}: it outlives each store (RocksDB releases it with the JVM).
 */
public final class BoundedMemoryRocksDbConfig implements RocksDBConfigSetter {
    /** Streams config keys (custom, passed through by {@link StreamsProperties}). */
    public static final String MEMORY_BYTES = "sentinel.rocksdb.memory.bytes";
    public static final String WRITE_BUFFER_RATIO = "sentinel.rocksdb.write.buffer.ratio";

    private static Cache cache;
    private static WriteBufferManager writeBufferManager;
    private static long memtableBytes;

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        share(Long.parseLong(String.valueOf(configs.get(MEMORY_BYTES))),
                Double.parseDouble(String.valueOf(configs.get(WRITE_BUFFER_RATIO))));
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(cache);
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setTableFormatConfig(table);
        options.setWriteBufferManager(writeBufferManager);
        // Kafka Streams' defaults (16 MB x 3 memtables per store) are fine under the manager, which flushes early
        // when the shared budget is reached; a smaller memtable keeps small stores from holding a large share.
        options.setWriteBufferSize(Math.min(16L << 20, Math.max(1L << 20, memtableBytes / 8)));
        options.setMaxWriteBufferNumber(3);
    }

    private static synchronized void share(long bytes, double writeBufferRatio) {
        if (cache == null) {
            memtableBytes = (long) (bytes * writeBufferRatio);
            // strict capacity off: a full cache evicts rather than failing reads; high-priority pool for index/filter
            cache = new LRUCache(bytes, -1, false, 0.1);
            writeBufferManager = new WriteBufferManager(memtableBytes, cache);
        }
    }

    @Override
    public void close(String storeName, Options options) {
        // the shared cache and write buffer manager outlive every store
    }
}
