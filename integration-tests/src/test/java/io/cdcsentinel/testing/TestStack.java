package io.cdcsentinel.testing;

import io.cdcsentinel.local.LocalStack;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one local stack of a test JVM, and the directories integration tests use.
 *
 * <p>The shared stack starts on first use in {@code ${sentinel.test.dir}} (failsafe sets
 * {@code target/it-stack}) and stops in a JVM shutdown hook. Whatever a previous run left behind (it was
 * killed, or its hook never ran) is stopped and deleted first, private stacks included, so every run starts
 * from empty servers. Private stacks ({@link StackFixture#withPrivate}) live under {@code target/it-private}.
 */
public final class TestStack {
    private static final Logger LOG = LoggerFactory.getLogger(TestStack.class);

    private static LocalStack shared;
    private static final List<Path> privateDirs = new ArrayList<>();
    private static boolean swept;

    private TestStack() {
    }

    /** The shared stack, started on first call (all servers; ClickHouse when installed). */
    public static synchronized LocalStack shared() {
        if (shared == null) {
            sweepPreviousRun();
            LocalStack stack = LocalStack.up(sharedDir(), LocalStack.Options.defaults());
            LOG.info("shared test stack up in {} ms: {}", stack.took().toMillis(), stack.endpoints());
            stack.notices().forEach(notice -> LOG.warn("{}", notice));
            shared = stack;
        }
        return shared;
    }

    /** The shared stack if this JVM started it, without starting it. */
    static synchronized Optional<LocalStack> sharedIfStarted() {
        return Optional.ofNullable(shared);
    }

    /** Starts a stack of its own in a new directory under {@code target/it-private}. */
    static synchronized LocalStack startPrivate(String name, LocalStack.Options options) {
        sweepPreviousRun();
        Path dir = targetDir().resolve("it-private").resolve(name);
        privateDirs.add(dir);
        LocalStack stack = LocalStack.up(dir, options);
        LOG.info("private test stack {} up in {} ms: {}", name, stack.took().toMillis(), stack.endpoints());
        return stack;
    }

    /** {@code target/} of the module under test (the parent of {@code sentinel.test.dir}). */
    public static Path targetDir() {
        Path parent = sharedDir().getParent();
        return parent != null ? parent : Path.of("target").toAbsolutePath();
    }

    static Path sharedDir() {
        return Path.of(System.getProperty("sentinel.test.dir", "target/it-stack")).toAbsolutePath().normalize();
    }

    /**
     * Copies the server logs of the stack directory {@code stackDir} (every {@code *.log} and {@code *.out}
     * outside data directories) into {@code into/<stack directory name>/}, keeping their relative paths.
     */
    static void copyLogs(Path stackDir, Path into) {
        if (!Files.isDirectory(stackDir)) {
            return;
        }
        Path target = into.resolve(stackDir.getFileName().toString());
        try (Stream<Path> files = Files.walk(stackDir)) {
            for (Path file : files.filter(TestStack::isServerLog).toList()) {
                Path copy = target.resolve(stackDir.relativize(file).toString());
                Files.createDirectories(copy.getParent());
                Files.copy(file, copy, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("cannot copy the logs of {} to {}: {}", stackDir, target, e.toString());
        }
    }

    private static boolean isServerLog(Path file) {
        String name = file.getFileName().toString();
        String path = file.toString();
        // Kafka's segments are *.log files too: skip data directories (and the unpacked PostgreSQL binaries).
        return Files.isRegularFile(file) && (name.endsWith(".log") || name.endsWith(".out"))
                && !path.contains("/data/") && !path.contains("/binaries/");
    }

    /**
     * Stops and deletes what an earlier test JVM left in the test directories (stacks, logs, state), once
     * per JVM and before any test class of this JVM uses them, and registers the hook that stops this JVM's
     * stacks.
     */
    static synchronized void sweepPreviousRun() {
        if (swept) {
            return;
        }
        swept = true;
        LocalStack.downAndPurge(sharedDir());
        // Logs and state of an earlier run would be mistaken for this run's.
        deleteTree(targetDir().resolve("it-logs"));
        deleteTree(targetDir().resolve("it-state"));
        Path privateRoot = targetDir().resolve("it-private");
        if (Files.isDirectory(privateRoot)) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(privateRoot)) {
                for (Path entry : entries) {
                    if (Files.isDirectory(entry)) {
                        LocalStack.downAndPurge(entry);
                    } else {
                        Files.delete(entry);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(TestStack::stopAll, "test-stack-shutdown"));
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static synchronized void stopAll() {
        for (Path dir : privateDirs) {
            downQuietly(dir);
        }
        if (shared != null) {
            try {
                shared.down();
            } catch (RuntimeException e) {
                System.err.println("could not stop the shared test stack in " + shared.dir() + ": " + e.getMessage());
            }
        }
    }

    private static void downQuietly(Path dir) {
        try {
            LocalStack.down(dir);
        } catch (RuntimeException e) {
            // The JVM is exiting: report and go on with the other stacks.
            System.err.println("could not stop the test stack in " + dir + ": " + e.getMessage());
        }
    }
}
