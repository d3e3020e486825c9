package io.cdcsentinel.sink;

import com.clickhouse.client.api.Client;
import io.cdcsentinel.config.ClickHouseSettings;

/**
 * Whether ClickHouse answers its {@code /ping}, for {@code /health/ready}: the sink keeps retrying while the server is
 * down (its state stays RUNNING), and readiness is what tells the orchestrator and the dashboard. The answer is cached
 * for {@code cacheMs} so that frequent probes do not become a load, and a ping never waits longer than the client's
 * connect timeout.
 */
public final class ClickHouseReachability implements AutoCloseable {
    private final Client client;
    private final long cacheMs;
    private final long timeoutMs;
    private long checkedAt = Long.MIN_VALUE;
    private boolean reachable;

    public ClickHouseReachability(ClickHouseSettings settings, long cacheMs) {
        this.client = LabelStore.newClient(settings);
        this.cacheMs = cacheMs;
        this.timeoutMs = Math.max(500, settings.connectTimeout().toMillis());
    }

    public synchronized boolean reachable() {
        long now = System.nanoTime() / 1_000_000;
        if (checkedAt == Long.MIN_VALUE || now - checkedAt >= cacheMs) {
            try {
                reachable = client.ping(timeoutMs);
            } catch (RuntimeException e) {
                reachable = false;
            }
            checkedAt = System.nanoTime() / 1_000_000;
        }
        return reachable;
    }

    @Override
    public void close() {
        client.close();
    }
}
