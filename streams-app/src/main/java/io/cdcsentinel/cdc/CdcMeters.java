package io.cdcsentinel.cdc;

import io.cdcsentinel.config.PostgresSettings;
import io.cdcsentinel.metrics.Meters;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How far the capture is behind, for {@code /metrics} and {@code /health/ready} of {@code cdc}:
 * <ul>
 *   <li>{@code sentinel_cdc_slot_lag_bytes{slot}}: {@code pg_current_wal_lsn() - confirmed_flush_lsn} of the
 *       replication slot, asked of PostgreSQL at scrape time (at most every 5 s): the WAL the server keeps for us;</li>
 *   <li>{@code sentinel_cdc_lag_seconds{slot}}: Debezium's own streaming metric {@code MilliSecondsBehindSource}
 *       (JMX {@code debezium.postgres:type=connector-metrics,context=streaming,server=<topic.prefix>});</li>
 *   <li>streaming: that MBean's {@code Connected} (absent while the snapshot runs or the engine starts).</li>
 * </ul>
 */
public final class CdcMeters implements MeterBinder {
    private static final Logger LOG = LoggerFactory.getLogger(CdcMeters.class);
    private static final long CACHE_MS = 5_000;

    private final PostgresSettings postgres;
    private final String slot;
    private final ObjectName streaming;
    private final MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
    private long slotLagAt = Long.MIN_VALUE;
    private double slotLag = Double.NaN;

    public CdcMeters(PostgresSettings postgres, String slot, String topicPrefix) {
        this.postgres = postgres;
        this.slot = slot;
        try {
            this.streaming = new ObjectName("debezium.postgres:type=connector-metrics,context=streaming,server="
                    + topicPrefix);
        } catch (JMException e) {
            throw new IllegalArgumentException("topic.prefix " + topicPrefix + " is not usable in a JMX name", e);
        }
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder(Meters.CDC_SLOT_LAG_BYTES.name(), this, CdcMeters::slotLagBytes)
                .description("WAL bytes between PostgreSQL's current position and the slot's confirmed flush position")
                .tag("slot", slot).register(registry);
        Gauge.builder(Meters.CDC_LAG_SECONDS.name(), this, m -> m.streamingAttribute("MilliSecondsBehindSource") / 1000.0)
                .description("seconds between a change's commit and its capture (Debezium MilliSecondsBehindSource)")
                .tag("slot", slot).register(registry);
    }

    /** Whether Debezium streams changes from the slot (connected, snapshot over). */
    public boolean streaming() {
        try {
            return Boolean.TRUE.equals(mbeans.getAttribute(streaming, "Connected"));
        } catch (JMException e) {
            return false;
        }
    }

    private double streamingAttribute(String name) {
        try {
            Object value = mbeans.getAttribute(streaming, name);
            return value instanceof Number n && n.longValue() >= 0 ? n.doubleValue() : Double.NaN;
        } catch (JMException e) {
            return Double.NaN;
        }
    }

    private synchronized double slotLagBytes() {
        long now = System.nanoTime() / 1_000_000;
        if (slotLagAt != Long.MIN_VALUE && now - slotLagAt < CACHE_MS) {
            return slotLag;
        }
        slotLagAt = now;
        try (Connection c = postgres.connect(Duration.ofSeconds(3), Duration.ofSeconds(5));
                PreparedStatement st = c.prepareStatement("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)"
                        + " FROM pg_replication_slots WHERE slot_name = ?")) {
            st.setString(1, slot);
            try (ResultSet rs = st.executeQuery()) {
                slotLag = rs.next() ? rs.getDouble(1) : Double.NaN;
            }
        } catch (SQLException e) {
            LOG.debug("cannot read the lag of slot {}: {}", slot, e.toString());
            slotLag = Double.NaN;
        }
        return slotLag;
    }
}
