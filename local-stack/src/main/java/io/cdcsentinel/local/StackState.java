package io.cdcsentinel.local;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;

/**
 * {@code DIR/stack.properties}: the ports (and Kafka cluster id) a stack directory was given the first
 * time. A server restarted in the same directory gets its old port back, so endpoints stay valid across
 * {@code down}/{@code up} and a broker killed with {@code kill -9} comes back where its clients expect it.
 * Written before any server starts, so a crashed {@code up} still tells {@code down} which ports to check.
 */
final class StackState {
    static final String FILE = "stack.properties";

    private final Path file;
    private final Properties values = new Properties();

    private StackState(Path file) {
        this.file = file;
    }

    static StackState load(Path dir) {
        StackState state = new StackState(dir.resolve(FILE));
        if (Files.isRegularFile(state.file)) {
            try (Reader reader = Files.newBufferedReader(state.file, StandardCharsets.UTF_8)) {
                state.values.load(reader);
            } catch (IOException | IllegalArgumentException e) {
                throw new StackException("cannot read " + state.file + " (" + e.getMessage() + "); run `stack down` and"
                        + " delete the file to start over", e);
            }
        }
        return state;
    }

    synchronized int port(String key) {
        String value = values.getProperty(key);
        return value == null ? 0 : Integer.parseInt(value.strip());
    }

    synchronized void setPort(String key, int port) {
        values.setProperty(key, Integer.toString(port));
    }

    synchronized String get(String key) {
        return values.getProperty(key);
    }

    synchronized void set(String key, String value) {
        values.setProperty(key, value);
    }

    synchronized void save() {
        Path tmp = file.resolveSibling(FILE + ".tmp");
        try (Writer writer = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            values.store(writer, "cdc-sentinel local stack: ports kept across restarts");
        } catch (IOException e) {
            throw new StackException("cannot write " + file + ": " + e.getMessage(), e);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new StackException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
