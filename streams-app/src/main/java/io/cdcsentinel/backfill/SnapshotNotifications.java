package io.cdcsentinel.backfill;

import io.debezium.config.CommonConnectorConfig;
import io.debezium.pipeline.notification.Notification;
import io.debezium.pipeline.notification.channels.NotificationChannel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * A Debezium notification channel ({@code notification.enabled.channels=sentinel-backfill}) that hands the connector's
 * notifications to the backfill running in the same process, keyed by the connector's {@code topic.prefix}: the
 * incremental snapshot's STARTED, TABLE_SCAN_COMPLETED (rows scanned per table), COMPLETED and ABORTED. Debezium
 * creates the channel itself through {@link java.util.ServiceLoader}, hence the static registry.
 */
public final class SnapshotNotifications implements NotificationChannel {
    public static final String CHANNEL_NAME = "sentinel-backfill";
    private static final Map<String, Consumer<Notification>> LISTENERS = new ConcurrentHashMap<>();

    private String logicalName;

    /** Routes the notifications of the connector whose {@code topic.prefix} is {@code logicalName} to {@code listener}. */
    static void listen(String logicalName, Consumer<Notification> listener) {
        LISTENERS.put(logicalName, listener);
    }

    static void stopListening(String logicalName) {
        LISTENERS.remove(logicalName);
    }

    @Override
    public void init(CommonConnectorConfig config) {
        logicalName = config.getLogicalName();
    }

    @Override
    public String name() {
        return CHANNEL_NAME;
    }

    @Override
    public void send(Notification notification) {
        Consumer<Notification> listener = LISTENERS.get(logicalName);
        if (listener != null) {
            listener.accept(notification);
        }
    }

    @Override
    public void close() {
    }
}
