package io.cdcsentinel.cdc;

import io.cdcsentinel.config.CdcSettings;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.PostgresSettings;
import io.cdcsentinel.config.TopicNames;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The Debezium PostgreSQL connector configuration, in one place. {@link #connector} is exactly what
 * {@code connect-config/sentinel-postgres-source.json} deploys on Kafka Connect (a test keeps the two
 * equal); {@link #embedded} adds what the embedded engine needs instead of a Connect worker: the
 * converters and the Kafka offset backing store.
 *
 * <p>Why these settings:
 * <ul>
 *   <li>{@code table.include.list} order is the snapshot order: conversations and historic rows are
 *       snapshotted before the scorecards that point at them, so the gap topology never sees a
 *       scorecard of a healthy database before its historic rows. Chat events come first of all: a
 *       snapshot row's timestamp is when it was read, so whatever is snapshotted last sorts after
 *       everything before it in event time, and in each topic after the snapshot come the changes
 *       committed while it ran. With events last, the label topology's clock passed the settle deadline
 *       of snapshotted conversations, and of conversations that ended during the snapshot, before their
 *       events arrived: a FINAL without them, then a CORRECTION. With events first, a conversation's
 *       snapshotted events, and those committed during the snapshot, reach the topology before its
 *       snapshotted or concurrently changed chats row does, so its one FINAL is complete.</li>
 *   <li>{@code provide.transaction.metadata=true}: {@code transaction.total_order} is the change's
 *       position in its transaction, half of the label version (see {@link SourcePosition#version}).</li>
 *   <li>{@code publication.autocreate.mode=filtered}: one publication limited to the five tables.</li>
 *   <li>{@code heartbeat.interval.ms}: confirms the slot's position while the captured tables are idle,
 *       so PostgreSQL does not retain WAL forever.</li>
 *   <li>{@code decimal.handling.mode=string}: numerics as exact strings.</li>
 * </ul>
 */
public final class DebeziumProperties {
    public static final String CONNECTOR_CLASS = "io.debezium.connector.postgresql.PostgresConnector";

    /** Snapshot order (see class comment), as Debezium snapshots in table.include.list order. */
    public static final List<String> SNAPSHOT_ORDER = List.of("app.chat_events", "app.chats",
            "historic.scorecard_scores", "director.scores", "director.scorecards");

    private DebeziumProperties() {
    }

    /** Connector-level properties (no worker settings, no secrets resolved from providers). */
    public static Map<String, String> connector(PostgresSettings postgres, CdcSettings cdc, TopicNames topics) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("connector.class", CONNECTOR_CLASS);
        p.put("tasks.max", "1");
        p.put("database.hostname", postgres.host());
        p.put("database.port", Integer.toString(postgres.port()));
        p.put("database.user", postgres.user());
        p.put("database.password", postgres.password());
        p.put("database.dbname", postgres.database());
        p.put("topic.prefix", topics.prefix());
        p.put("plugin.name", "pgoutput");
        p.put("slot.name", cdc.slotName());
        p.put("publication.name", cdc.publicationName());
        p.put("publication.autocreate.mode", "filtered");
        p.put("table.include.list", String.join(",", SNAPSHOT_ORDER));
        p.put("snapshot.mode", cdc.snapshotMode());
        p.put("provide.transaction.metadata", "true");
        p.put("decimal.handling.mode", "string");
        p.put("tombstones.on.delete", "true");
        p.put("heartbeat.interval.ms", Long.toString(cdc.heartbeatInterval().toMillis()));
        if (cdc.heartbeatActionQuery() != null) {
            p.put("heartbeat.action.query", cdc.heartbeatActionQuery());
        }
        p.put("poll.interval.ms", Long.toString(cdc.pollInterval().toMillis()));
        p.put("max.batch.size", Integer.toString(cdc.maxBatchSize()));
        p.put("max.queue.size", Integer.toString(cdc.maxBatchSize() * 4));
        return p;
    }

    /** Connector properties plus the embedded engine's converters and Kafka-backed offset store. */
    public static Properties embedded(PostgresSettings postgres, KafkaSettings kafka, CdcSettings cdc, TopicNames topics) {
        Properties p = new Properties();
        p.putAll(connector(postgres, cdc, topics));
        p.put("name", cdc.name());
        p.put("key.converter.schemas.enable", "false");
        p.put("value.converter.schemas.enable", "false");
        // Offsets in Kafka, as a Connect worker keeps them: a restart resumes from the last committed
        // position, without a new snapshot, wherever the process runs.
        p.put("offset.storage", "org.apache.kafka.connect.storage.KafkaOffsetBackingStore");
        p.put("offset.storage.topic", cdc.offsetsTopic());
        p.put("offset.storage.partitions", "1");
        p.put("offset.storage.replication.factor", Short.toString(kafka.topicReplicationFactor()));
        p.put("offset.flush.interval.ms", Long.toString(cdc.offsetFlushInterval().toMillis()));
        p.put("offset.flush.timeout.ms", "60000");
        kafka.clientProperties().forEach(p::put);
        p.put("bootstrap.servers", kafka.bootstrap());
        return p;
    }
}
