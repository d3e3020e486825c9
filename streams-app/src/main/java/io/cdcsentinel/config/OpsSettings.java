package io.cdcsentinel.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * How a long-running command ({@code run}, {@code cdc}, {@code sink}) is watched: the HTTP port of its metrics and
 * health endpoints, the log format, and how often a crashing stream thread may be replaced.
 *
 * <ul>
 *   <li>{@code http.port}: {@code /metrics} (Prometheus text format), {@code /health/live}, {@code /health/ready}.
 *       {@code off} serves nothing; {@code 0} takes a free port (logged, for tests).</li>
 *   <li>{@code streams.thread.replacements}: a stream thread that dies of an unexpected error is replaced at most
 *       this many times per {@code streams.thread.replacements.window}; one more and the command shuts down with a
 *       non-zero exit, so the orchestrator restarts the process (a poison state, not a transient error).</li>
 * </ul>
 */
public record OpsSettings(String httpPort, String httpBind, LogFormat logFormat, int threadReplacements,
        Duration threadReplacementWindow) {

    public enum LogFormat { TEXT, JSON }

    static final String AUTO = "auto";
    static final String OFF = "off";
    /** {@code http.port=auto}: one port per command, so that run, cdc and sink can share a host. */
    static final Map<String, Integer> AUTO_PORTS = Map.of("run", 9400, "cdc", 9401, "sink", 9402);

    public static final ConfigKey<String> HTTP_PORT = ConfigKey.string("http.port",
            "port of /metrics and /health/{live,ready} (auto: run 9400, cdc 9401, sink 9402; off: no HTTP server;"
                    + " 0: any free port)")
            .withDefault(AUTO)
            .validate(OpsSettings::isPort, "a port number 0-65535, auto or off");
    public static final ConfigKey<String> HTTP_BIND = ConfigKey.string("http.bind",
            "address the HTTP server listens on").withDefault("0.0.0.0");
    public static final ConfigKey<LogFormat> LOG_FORMAT = ConfigKey.enumeration("log.format", LogFormat.class,
            "text (one line per event) or json (one JSON object per line, ECS fields, record position as kafka.* fields)")
            .withDefault("text");
    public static final ConfigKey<Integer> THREAD_REPLACEMENTS = ConfigKey.integer("streams.thread.replacements",
            "stream threads replaced per window after an unexpected error before the command exits non-zero")
            .withDefault("3").between(0, 1000);
    public static final ConfigKey<Duration> THREAD_REPLACEMENT_WINDOW = ConfigKey.duration(
            "streams.thread.replacements.window", "the window streams.thread.replacements counts in").withDefault("10m");

    public static final List<ConfigKey<?>> KEYS = List.of(HTTP_PORT, HTTP_BIND, LOG_FORMAT, THREAD_REPLACEMENTS,
            THREAD_REPLACEMENT_WINDOW);

    public static OpsSettings from(ConfigSource source) {
        return new OpsSettings(HTTP_PORT.read(source).trim().toLowerCase(Locale.ROOT), HTTP_BIND.read(source),
                LOG_FORMAT.read(source), THREAD_REPLACEMENTS.read(source), THREAD_REPLACEMENT_WINDOW.read(source));
    }

    /** Whether the HTTP server runs. */
    public boolean httpEnabled() {
        return !OFF.equals(httpPort);
    }

    /** The port {@code command} listens on (its own under {@code auto}). */
    public int httpPort(String command) {
        if (AUTO.equals(httpPort)) {
            return AUTO_PORTS.getOrDefault(command, 0);
        }
        return Integer.parseInt(httpPort);
    }

    private static boolean isPort(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.equals(OFF) || v.equals(AUTO)) {
            return true;
        }
        try {
            int port = Integer.parseInt(v);
            return port >= 0 && port <= 65535;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
