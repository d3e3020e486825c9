package io.cdcsentinel.local;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server this stack launches itself as a detached OS process ({@code setsid}: it must outlive the JVM and
 * the terminal that ran {@code stack up}). Its pid goes to {@code <name>.pid}; its command line carries a
 * marker naming its directory, so it is found again even when the pid file is lost.
 */
abstract class SpawnedServer implements LocalServer {
    private static final Logger LOG = LoggerFactory.getLogger(SpawnedServer.class);

    /** Marks the command line of every JVM this stack launches: {@code -Dsentinel.stack.server=<home>}. */
    static final String MARKER_PROPERTY = "sentinel.stack.server";

    private final Component component;
    protected final Path home;

    SpawnedServer(Component component, Path stackDir) {
        this.component = component;
        this.home = stackDir.resolve(component.id());
    }

    @Override
    public Component component() {
        return component;
    }

    @Override
    public Path home() {
        return home;
    }

    Path pidFile() {
        return home.resolve(component.id() + ".pid");
    }

    /** Where the process's stdout and stderr go. */
    Path consoleLog() {
        return home.resolve(component.id() + ".out");
    }

    /** Writes configuration files and prepares data directories; called before each start. */
    abstract void prepare();

    /** The server's command line, without the {@code setsid} wrapper. */
    abstract List<String> command();

    /** True once the server serves clients (a real request, not a log line). */
    abstract boolean isReady();

    /** True for the server process itself. */
    abstract boolean isServerProcess(List<String> args);

    /** True for any process belonging to this server (the server and its helpers, e.g. Kafka's formatter). */
    boolean isOwnProcess(List<String> args) {
        return isServerProcess(args);
    }

    abstract Duration startTimeout();

    Duration stopGrace() {
        return Duration.ofSeconds(30);
    }

    String stopSignal() {
        return "TERM";
    }

    @Override
    public OptionalLong pid() {
        OptionalLong fromFile = OsProcesses.readPidFile(pidFile());
        if (fromFile.isPresent() && OsProcesses.isAlive(fromFile.getAsLong())
                && isServerProcess(OsProcesses.commandLine(fromFile.getAsLong()))) {
            return fromFile;
        }
        return OsProcesses.find(this::isServerProcess).stream().mapToLong(Long::longValue).min();
    }

    /** Starts the server and waits until it is ready; fails with the end of its log if it dies or times out. */
    void start() {
        prepare();
        Process process = spawn(withSetsid(command()), home, consoleLog());
        long pid = process.pid();
        OsProcesses.writePidFile(pidFile(), pid);
        LOG.debug("{} started as pid {}", component.id(), pid);
        awaitReady(process);
    }

    void awaitReady(Process process) {
        long deadline = System.nanoTime() + startTimeout().toNanos();
        while (!isReady()) {
            if (!process.isAlive()) {
                throw new StackException(component.id() + " exited with code " + process.exitValue() + " while starting;"
                        + " end of its logs:\n" + tail());
            }
            if (System.nanoTime() - deadline > 0) {
                OsProcesses.kill(process.pid());
                throw new StackException(component.id() + " was not ready within " + startTimeout().toSeconds()
                        + " s and was killed; end of its logs:\n" + tail());
            }
            OsProcesses.pause(100);
        }
    }

    @Override
    public void stop() {
        // The server first, gracefully; then anything else of ours still around (a formatter, a half-started
        // copy). Rescanned until nothing is left: a helper orphaned by a killed `up` may still spawn something.
        for (int round = 0; round < 5; round++) {
            OptionalLong server = pid();
            List<Long> others = OsProcesses.find(this::isOwnProcess);
            if (server.isEmpty() && others.isEmpty()) {
                break;
            }
            server.ifPresent(pid -> OsProcesses.stop(pid, component.id(), stopSignal(), stopGrace()));
            for (long pid : others) {
                OsProcesses.stop(pid, component.id(), stopSignal(), stopGrace());
            }
        }
        OsProcesses.readPidFile(pidFile()).ifPresent(pid -> {
            if (!OsProcesses.isAlive(pid)) {
                deleteQuietly(pidFile());
            }
        });
    }

    /**
     * SIGKILL: the server gets no chance to clean up, as after a crash or an OOM kill. Returns once the
     * process is gone and its ports can be bound again (the kernel may close its sockets a moment later).
     */
    public void kill() {
        OptionalLong pid = pid();
        if (pid.isEmpty()) {
            throw new IllegalStateException(component.id() + " is not running");
        }
        OsProcesses.kill(pid.getAsLong());
        awaitPortsFree(Duration.ofSeconds(10));
    }

    /** True once every port of the server can be bound; false if one is still taken after {@code timeout}. */
    boolean awaitPortsFree(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ports().values().stream().allMatch(Ports::isFree)) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            OsProcesses.pause(50);
        }
        return true;
    }

    /** The last lines of the server's logs, for error messages. */
    String tail() {
        StringBuilder tail = new StringBuilder();
        for (Path log : logFiles()) {
            if (!Files.isRegularFile(log)) {
                continue;
            }
            try {
                List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                tail.append("--- ").append(log).append('\n');
                lines.subList(Math.max(0, lines.size() - 25), lines.size()).forEach(l -> tail.append(l).append('\n'));
            } catch (IOException | UncheckedIOException e) {
                tail.append("--- ").append(log).append(": ").append(e.getMessage()).append('\n');
            }
        }
        return tail.toString();
    }

    static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static String marker(Path home) {
        return "-D" + MARKER_PROPERTY + "=" + home;
    }

    /** The {@code setsid} wrapper when available: it execs in place, so the pid is the server's own. */
    static List<String> withSetsid(List<String> command) {
        List<String> full = new ArrayList<>();
        for (String dir : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
            if (Files.isExecutable(Path.of(dir, "setsid"))) {
                full.add(Path.of(dir, "setsid").toString());
                break;
            }
        }
        full.addAll(command);
        return full;
    }

    static Process spawn(List<String> command, Path workDir, Path log) {
        try {
            Files.createDirectories(workDir);
            return new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new StackException("cannot start " + command.get(0) + ": " + e.getMessage(), e);
        }
    }

    /** Runs a short-lived helper to completion (e.g. Kafka's storage formatter). */
    static void runToCompletion(List<String> command, Path workDir, Path log, Duration timeout, String what) {
        Process process = spawn(command, workDir, log);
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                OsProcesses.kill(process.pid());
                throw new StackException(what + " did not finish within " + timeout.toSeconds() + " s; see " + log);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new StackException("interrupted during " + what, e);
        }
        if (process.exitValue() != 0) {
            throw new StackException(what + " failed with exit code " + process.exitValue() + "; see " + log);
        }
    }

    static void write(Path file, String content) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new StackException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.debug("cannot delete {}: {}", file, e.toString());
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new StackException("cannot delete " + dir + ": " + e.getMessage(), e);
        }
    }

    static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new StackException("cannot create " + dir + ": " + e.getMessage(), e);
        }
    }
}
