package io.cdcsentinel.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

class BoundedMemoryRocksDbConfigTest {
    static {
        RocksDB.loadLibrary();
    }

    @Test
    void shouldGiveEveryStoreTheSameCacheAndWriteBufferManager() {
        Map<String, Object> configs = Map.of(BoundedMemoryRocksDbConfig.MEMORY_BYTES, 64L << 20,
                BoundedMemoryRocksDbConfig.WRITE_BUFFER_RATIO, 0.5);
        try (Options a = new Options(); Options b = new Options()) {
            a.setTableFormatConfig(new BlockBasedTableConfig());
            b.setTableFormatConfig(new BlockBasedTableConfig());
            new BoundedMemoryRocksDbConfig().setConfig("store-a", a, configs);
            new BoundedMemoryRocksDbConfig().setConfig("store-b", b, configs);

            assertThat(a.writeBufferManager()).isNotNull().isSameAs(b.writeBufferManager());
            assertThat(((BlockBasedTableConfig) a.tableFormatConfig()).cacheIndexAndFilterBlocks()).isTrue();
            assertThat(a.writeBufferSize()).isLessThanOrEqualTo(16L << 20);
        }
    }
}
