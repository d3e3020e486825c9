package io.cdcsentinel.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Heap in use and bytes on disk, as the benchmark reports them. */
final class Resources {
    private Resources() {
    }

    /**
     * Heap in use after full collections: collects until the figure stops shrinking (at most five times), so
     * what remains is what is reachable, not garbage that happened to be around.
     */
    /**
     * Resident memory of this JVM (VmRSS of /proc/self/status): heap actually touched, RocksDB's block cache and
     * memtables, metaspace, thread stacks, direct buffers; -1 where /proc is not there.
     */
    static long residentBytes() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    static long heapUsedAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            long now = memory.getHeapMemoryUsage().getUsed();
            if (now >= used * 0.99) {
                return Math.min(now, used);
            }
            used = now;
        }
        return used;
    }

    /** Total size of the regular files under {@code dir} (0 when it does not exist). */
    static long sizeOnDisk(Path dir) {
        for (int attempt = 1; ; attempt++) {
            if (!Files.exists(dir)) {
                return 0;
            }
            try (Stream<Path> files = Files.walk(dir)) {
                return files.filter(Files::isRegularFile).mapToLong(Resources::sizeOf).sum();
            } catch (IOException | UncheckedIOException e) {
                // RocksDB deletes files while we walk (compaction): walk again, a few times at most.
                if (attempt == 3) {
                    throw e instanceof UncheckedIOException u ? u : new UncheckedIOException((IOException) e);
                }
            }
        }
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0; // deleted since it was listed
        }
    }
}
