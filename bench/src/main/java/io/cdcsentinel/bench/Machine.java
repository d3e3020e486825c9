package io.cdcsentinel.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** What the benchmark ran on, in one line for the report. */
final class Machine {
    private Machine() {
    }

    static String describe() {
        Runtime rt = Runtime.getRuntime();
        long memory = 0;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            memory = os.getTotalMemorySize();
        }
        return String.format("%d cores%s, %.0f GB RAM, %s %s, Java %s (max heap %d MB)", rt.availableProcessors(),
                cpuModel().map(m -> " (" + m + ")").orElse(""), memory / 1e9, System.getProperty("os.name"),
                System.getProperty("os.version"), System.getProperty("java.version"), rt.maxMemory() / (1024 * 1024));
    }

    private static Optional<String> cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim().replaceAll("\\s+", " "));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
