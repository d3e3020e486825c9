package io.cdcsentinel.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.cdcsentinel.config.OpsSettings;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP face of a long-running command: {@code GET /metrics} (Prometheus text format: the project's
 * {@link Meters}, the JVM's, and Kafka Streams' and the Kafka clients' own metrics through Micrometer's Kafka
 * binders), {@code GET /health/live} and {@code GET /health/ready} (JSON {@link Health}, 200 or 503).
 *
 * <p>The Prometheus registry joins {@link Metrics#globalRegistry}, where the topologies' processors record, so
 * meters created before the server started are exported too. With {@code http.port=off} nothing is served and
 * nothing is registered: the global registry stays empty and the meters cost a no-op.
 */
public final class Telemetry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Telemetry.class);
    private static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry;
    private final HttpServer server;
    private final ExecutorService executor;
    private final List<AutoCloseable> binders = new ArrayList<>();
    private volatile Supplier<Health> live = () -> new Health(true, Map.of());
    private volatile Supplier<Health> ready = () -> new Health(false, Map.of("starting", "true"));

    private Telemetry(PrometheusMeterRegistry registry, HttpServer server, ExecutorService executor) {
        this.registry = registry;
        this.server = server;
        this.executor = executor;
    }

    /** Starts the registry and the HTTP server of {@code command} (run, cdc, sink), or an inert one when off. */
    public static Telemetry start(OpsSettings settings, String command) {
        if (!settings.httpEnabled()) {
            return new Telemetry(null, null, null);
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags(Tags.of("command", command));
        for (MeterBinder binder : List.of(new JvmMemoryMetrics(), new JvmGcMetrics(), new JvmThreadMetrics(),
                new ClassLoaderMetrics(), new ProcessorMetrics(), new UptimeMetrics())) {
            binder.bindTo(registry);
        }
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(settings.httpBind(), settings.httpPort(command)), 16);
        } catch (IOException e) {
            registry.close();
            throw new UncheckedIOException("cannot listen on " + settings.httpBind() + ":" + settings.httpPort(command)
                    + " (http.port / SENTINEL_HTTP_PORT: choose a free port, or off)", e);
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "sentinel-http");
            t.setDaemon(true);
            return t;
        });
        Telemetry telemetry = new Telemetry(registry, server, executor);
        server.createContext("/metrics", telemetry::metrics);
        server.createContext("/health/live", exchange -> telemetry.health(exchange, telemetry.live));
        server.createContext("/health/ready", exchange -> telemetry.health(exchange, telemetry.ready));
        server.setExecutor(executor);
        server.start();
        Metrics.globalRegistry.add(registry);
        Gauge.builder(Meters.READY, telemetry, t -> t.ready.get().up() ? 1 : 0)
                .description("1 while /health/ready answers 200 (every part of the command running), else 0")
                .register(registry);
        LOG.info("{}: metrics and health on http://{}:{}/ (/metrics, /health/live, /health/ready)", command,
                settings.httpBind(), telemetry.port());
        return telemetry;
    }

    /** The port the server listens on (the chosen one when {@code http.port=0}); -1 when off. */
    public int port() {
        return server == null ? -1 : server.getAddress().getPort();
    }

    public boolean enabled() {
        return registry != null;
    }

    /** What {@code /health/live} and {@code /health/ready} report from now on. */
    public void health(Supplier<Health> live, Supplier<Health> ready) {
        this.live = live;
        this.ready = ready;
    }

    /** Binds a meter binder (a Kafka Streams or Kafka client binder) to the registry; closed with this. */
    public void bind(MeterBinder binder) {
        if (registry == null) {
            return;
        }
        binder.bindTo(registry);
        if (binder instanceof AutoCloseable closeable) {
            binders.add(closeable);
        }
    }

    /** The Prometheus text exposition, as {@code /metrics} serves it (empty when off). */
    public String scrape() {
        return registry == null ? "" : registry.scrape();
    }

    private void metrics(HttpExchange exchange) throws IOException {
        respond(exchange, 200, TEXT_FORMAT, registry.scrape());
    }

    private void health(HttpExchange exchange, Supplier<Health> check) throws IOException {
        Health health;
        try {
            health = check.get();
        } catch (RuntimeException e) {
            health = new Health(false, Map.of("error", e.toString()));
        }
        respond(exchange, health.up() ? 200 : 503, "application/json", health.json());
    }

    private static void respond(HttpExchange exchange, int status, String type, String body) throws IOException {
        try (exchange) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", type);
            if ("HEAD".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(status, -1);
                return;
            }
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
        }
        for (AutoCloseable binder : binders) {
            try {
                binder.close();
            } catch (Exception e) {
                LOG.debug("closing a meter binder: {}", e.toString());
            }
        }
        if (registry != null) {
            Metrics.globalRegistry.remove(registry);
            registry.close();
        }
    }
}
