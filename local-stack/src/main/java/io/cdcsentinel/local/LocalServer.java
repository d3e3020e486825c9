package io.cdcsentinel.local;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/** One server of the local stack: a background OS process with its own directory and loopback ports. */
public interface LocalServer {

    Component component();

    /** The server's own directory under the stack directory (data, configuration, logs). */
    Path home();

    /** The process id of the running server, if it runs. */
    OptionalLong pid();

    default boolean isRunning() {
        return pid().isPresent();
    }

    /** Every port the server listens on, by role ({@code "port"} is the one clients use). */
    Map<String, Integer> ports();

    /** The port clients use. */
    default int port() {
        return ports().get("port");
    }

    /** The log files worth reading (and copying when a test fails). */
    List<Path> logFiles();

    /** Stops the server cleanly (and forcibly if it does not stop in time); returns once it is gone. */
    void stop();
}
