package io.cdcsentinel.local;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Processes seen through {@code /proc}, not through {@link Process}: the servers outlive the JVM that
 * started them, so {@code status} and {@code down} find them again by pid file or by command line.
 *
 * <p>A process counts as gone once it is a zombie: a server whose parent JVM was killed is re-parented,
 * and whether its new parent reaps it promptly is not ours to decide.
 */
final class OsProcesses {
    private static final Logger LOG = LoggerFactory.getLogger(OsProcesses.class);
    private static final Path PROC = Path.of("/proc");

    private OsProcesses() {
    }

    /** True while {@code pid} exists and is not a zombie. */
    static boolean isAlive(long pid) {
        if (pid <= 0) {
            return false;
        }
        try {
            String stat = new String(read(PROC.resolve(Long.toString(pid)).resolve("stat")), StandardCharsets.UTF_8);
            // Format: pid (comm) state ...; comm may contain spaces and parentheses, so cut after the last ')'.
            int close = stat.lastIndexOf(')');
            char state = close >= 0 && close + 2 < stat.length() ? stat.charAt(close + 2) : '?';
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false;
        }
    }

    /** The arguments of {@code pid} ({@code argv[0]} first), empty when it is gone or a kernel thread. */
    static List<String> commandLine(long pid) {
        try {
            byte[] raw = read(PROC.resolve(Long.toString(pid)).resolve("cmdline"));
            List<String> args = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < raw.length; i++) {
                if (raw[i] == 0) {
                    args.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                    start = i + 1;
                }
            }
            if (start < raw.length) {
                args.add(new String(raw, start, raw.length - start, StandardCharsets.UTF_8));
            }
            return args;
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Reads a /proc file as a stream: its reported size is not to be trusted. */
    private static byte[] read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readAllBytes();
        }
    }

    /** Live processes, other than this JVM, whose command line satisfies {@code matcher}. */
    static List<Long> find(Predicate<List<String>> matcher) {
        long self = ProcessHandle.current().pid();
        List<Long> found = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC, p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path entry : entries) {
                long pid = Long.parseLong(entry.getFileName().toString());
                if (pid == self) {
                    continue;
                }
                List<String> args = commandLine(pid);
                if (!args.isEmpty() && matcher.test(args) && isAlive(pid)) {
                    found.add(pid);
                }
            }
        } catch (IOException e) {
            throw new StackException("cannot list processes in /proc: " + e.getMessage(), e);
        }
        return found;
    }

    /** Reads a pid file (first line, as PostgreSQL's postmaster.pid and our own pid files have it). */
    static OptionalLong readPidFile(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            if (!lines.isEmpty() && lines.get(0).strip().matches("\\d+")) {
                return OptionalLong.of(Long.parseLong(lines.get(0).strip()));
            }
        } catch (IOException e) {
            // absent or unreadable: no pid
        }
        return OptionalLong.empty();
    }

    static void writePidFile(Path file, long pid) {
        try {
            Files.writeString(file, pid + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new StackException("cannot write pid file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Sends a signal by name (INT, TERM, QUIT, KILL) through {@code kill(1)}: Java itself only sends TERM and KILL. */
    static void signal(long pid, String signal) {
        if (!isAlive(pid)) {
            return;
        }
        try {
            Process kill = new ProcessBuilder("kill", "-s", signal, Long.toString(pid))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS)) {
                kill.destroyForcibly();
            }
        } catch (IOException e) {
            // kill(1) missing: fall back to what Java can send itself.
            ProcessHandle.of(pid).ifPresent(h -> {
                if ("KILL".equals(signal)) {
                    h.destroyForcibly();
                } else {
                    h.destroy();
                }
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted while signalling process " + pid, e);
        }
    }

    /** Waits until {@code pid} is gone; true if it went within {@code timeout}. */
    static boolean awaitExit(long pid, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (isAlive(pid)) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            pause(50);
        }
        return true;
    }

    /**
     * Asks {@code pid} to stop with {@code signal}, waits up to {@code grace}, then kills it. Returns once
     * the process is gone (SIGKILL cannot be refused, so this only fails if the kernel cannot reap it).
     */
    static void stop(long pid, String name, String signal, Duration grace) {
        if (!isAlive(pid)) {
            return;
        }
        signal(pid, signal);
        if (awaitExit(pid, grace)) {
            return;
        }
        LOG.warn("{} (pid {}) did not stop within {} s of SIG{}; killing it", name, pid, grace.toSeconds(), signal);
        kill(pid);
    }

    /** SIGKILL, then waits for the process to be gone. */
    static void kill(long pid) {
        signal(pid, "KILL");
        if (!awaitExit(pid, Duration.ofSeconds(15))) {
            throw new StackException("process " + pid + " survived SIGKILL for 15 s");
        }
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted", e);
        }
    }
}
