package io.cdcsentinel.local;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The tests' own view of {@code /proc}, written apart from {@link OsProcesses} so that a bug there cannot
 * hide itself: which processes mention a stack directory, which of them is which server, and whether a pid
 * is still a running process (a zombie is not: nobody may reap orphans promptly in a container).
 */
final class ProcTable {

    record Proc(long pid, List<String> args) {
        String commandLine() {
            return String.join(" ", args);
        }
    }

    private ProcTable() {
    }

    static boolean running(long pid) {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        try (InputStream in = Files.newInputStream(stat)) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            char state = text.charAt(text.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false;
        }
    }

    /** Running processes (other than this JVM) with an argument that contains {@code dir}. */
    static List<Proc> mentioning(Path dir) {
        String needle = dir.toString();
        long self = ProcessHandle.current().pid();
        List<Proc> found = new ArrayList<>();
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            for (Path entry : entries.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                long pid = Long.parseLong(entry.getFileName().toString());
                List<String> args = args(entry.resolve("cmdline"));
                if (pid != self && args.stream().anyMatch(a -> a.contains(needle)) && running(pid)) {
                    found.add(new Proc(pid, args));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }

    /**
     * The server processes of the stack in {@code dir}, grouped by server; helpers (pg_ctl, formatters) and
     * the CLI itself are left out.
     */
    static Map<Component, List<Long>> servers(Path dir) {
        Map<Component, List<Long>> servers = new TreeMap<>();
        for (Proc proc : mentioning(dir)) {
            Component component = serverKind(proc, dir);
            if (component != null) {
                servers.computeIfAbsent(component, c -> new ArrayList<>()).add(proc.pid());
            }
        }
        return servers;
    }

    private static Component serverKind(Proc proc, Path dir) {
        String exe = proc.args().get(0);
        String line = proc.commandLine();
        if (exe.endsWith("/postgres") && line.contains(dir.resolve("postgres").toString())) {
            return Component.POSTGRES;
        }
        if (line.contains(" kafka.Kafka ")) {
            return Component.KAFKA;
        }
        if (proc.args().stream().anyMatch(a -> a.endsWith("-runner.jar"))) {
            return Component.REGISTRY;
        }
        if (exe.contains("clickhouse")) {
            return Component.CLICKHOUSE;
        }
        return null;
    }

    private static List<String> args(Path cmdline) {
        try (InputStream in = Files.newInputStream(cmdline)) {
            String raw = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return raw.isEmpty() ? List.of() : Arrays.asList(raw.split("\0"));
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Runs {@code StackCommand} in a JVM of its own, as {@code bin/sentinel stack ...} would. */
    static Process startStackCommand(Path output, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", classpath(), "io.cdcsentinel.local.StackCommand"));
        command.addAll(List.of(args));
        Files.createDirectories(output.getParent());
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
    }

    private static String classpath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(e -> Path.of(e).toAbsolutePath().toString()).collect(Collectors.joining(File.pathSeparator));
    }
}
