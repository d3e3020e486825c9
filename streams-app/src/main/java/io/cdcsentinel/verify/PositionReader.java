package io.cdcsentinel.verify;

import io.cdcsentinel.cdc.ChangeEvent;
import io.cdcsentinel.cdc.ChangeEventDeserializer;
import io.cdcsentinel.config.ConfigException;
import io.cdcsentinel.config.StreamsSettings;
import io.cdcsentinel.sink.LabelStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Pins a verify run to a source position and measures how far each stage has got towards it.
 *
 * <ol>
 *   <li><b>Pin.</b> PostgreSQL's {@code clock_timestamp()} and {@code pg_current_wal_insert_lsn()} when verify starts:
 *       the insert position, not {@code pg_current_wal_lsn()} (the write position), which under
 *       {@code synchronous_commit=off} can still be behind transactions that have committed, so a slot confirmed up to
 *       it may not have seen them.</li>
 *   <li><b>Capture.</b> Debezium confirms a slot position only after the changes before it are in Kafka (offsets
 *       are committed after the producer's acknowledgements): once the slot's {@code confirmed_flush_lsn} has
 *       passed the pinned LSN, every transaction committed before the pin is in the CDC topics. On a quiet database
 *       the slot is not confirmed past the last captured change (other databases' WAL moves the pinned LSN on, and
 *       without {@code cdc.heartbeat.action.query} there is nothing to confirm), so the walsender's
 *       {@code sent_lsn} ({@code pg_stat_replication}: WAL decoded and sent to the connector) past the pin counts
 *       too, after {@code cdc.poll.interval} + 1 s for the connector to hand its last batch to Kafka. Either way capture
 *       is at the pinned time. If neither happens within {@code --wait} (CDC down or behind, no such slot, or a user
 *       that may not read {@code pg_stat_replication}), the capture position is the newest commit time at the end of
 *       the CDC topics: Debezium streams in commit order, so whatever committed before it has been captured.</li>
 *   <li><b>Topologies.</b> For each partition the {@code run} application's consumer group has committed (CDC topics
 *       and its repartition topics; under exactly-once the outputs of everything before a committed offset are
 *       committed with it): if the committed offset is short of the end offset, the commit time of the first
 *       record not yet processed bounds the position (records of one partition are in commit order). A drained
 *       partition does not bound it.</li>
 *   <li><b>Sink.</b> ClickHouse holds the highest offset it wrote per partition of the label topic; the first
 *       label record after it, minus the settle window (a label is written a settle window after the change it
 *       carries), bounds the labels position.</li>
 * </ol>
 * Steps 2 to 4 are repeated until every stage has reached the pin or {@code --wait} has run out; what is not
 * reached is reported against the position reached (see {@link Cutoffs}).
 */
public final class PositionReader {
    private static final Duration POLL = Duration.ofMillis(300);
    private final Connection pg;
    private final Map<String, Object> kafkaConfig;
    private final String slotName;
    private final Set<String> cdcTopics;
    private final String labelsGroup;
    private final String gapsGroup;
    private final Set<String> labelInputs;
    private final Set<String> gapInputs;
    private final String labelsTopic;
    private final LabelStore clickhouse;
    private final Duration settle;
    private final Duration wait;
    private final Duration cdcHandOver;

    /**
     * @param labelInputs CDC topics of the label topology; its repartition topics are found from its group
     * @param gapInputs CDC topics of the gap topology
     */
    public PositionReader(Connection pg, Map<String, Object> kafkaConfig, String slotName, List<String> cdcTopics,
            String labelsGroup, Set<String> labelInputs, String gapsGroup, Set<String> gapInputs, String labelsTopic,
            LabelStore clickhouse, Duration settle, Duration wait, Duration cdcPollInterval) {
        this.pg = pg;
        this.kafkaConfig = kafkaConfig;
        this.slotName = slotName;
        this.cdcTopics = Set.copyOf(cdcTopics);
        this.labelsGroup = labelsGroup;
        this.labelInputs = labelInputs;
        this.gapsGroup = gapsGroup;
        this.gapInputs = gapInputs;
        this.labelsTopic = labelsTopic;
        this.clickhouse = clickhouse;
        this.settle = settle;
        this.wait = wait;
        this.cdcHandOver = cdcPollInterval.plusSeconds(1);
    }

    public PipelinePosition read() throws SQLException, InterruptedException {
        List<String> notes = new ArrayList<>();
        long pinnedMs;
        String pinnedLsn;
        try (Statement s = pg.createStatement();
                ResultSet rs = s.executeQuery("SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint,"
                        + " pg_current_wal_insert_lsn()::text")) {
            rs.next();
            pinnedMs = rs.getLong(1);
            pinnedLsn = rs.getString(2);
        }
        long deadline = System.nanoTime() + wait.toNanos();
        Map<String, Object> config = new HashMap<>(kafkaConfig);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "sentinel-verify-position");
        try (Admin admin = Admin.create(kafkaConfig);
                KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                        new ByteArrayDeserializer())) {
            long captureMs = capture(pinnedMs, pinnedLsn, deadline, consumer, notes);
            long labelsMs;
            long gapsMs;
            while (true) {
                long labelsGroupMs = groupPosition(admin, consumer, labelsGroup, labelInputs);
                long gapsGroupMs = groupPosition(admin, consumer, gapsGroup, gapInputs);
                long sinkMs = sinkPosition(consumer);
                labelsMs = Math.min(captureMs, Math.min(labelsGroupMs, sinkMs));
                gapsMs = Math.min(captureMs, gapsGroupMs);
                if ((labelsGroupMs == Long.MAX_VALUE && gapsGroupMs == Long.MAX_VALUE && sinkMs == Long.MAX_VALUE)
                        || System.nanoTime() >= deadline) {
                    if (labelsGroupMs != Long.MAX_VALUE) {
                        notes.add("the label topology (group " + labelsGroup + ") had not processed every captured change");
                    }
                    if (sinkMs != Long.MAX_VALUE) {
                        notes.add("the sink had not written every label record of " + labelsTopic + " to ClickHouse");
                    }
                    if (gapsGroupMs != Long.MAX_VALUE) {
                        notes.add("the gap topology (group " + gapsGroup + ") had not processed every captured change");
                    }
                    break;
                }
                Thread.sleep(POLL.toMillis());
            }
            return new PipelinePosition(Instant.ofEpochMilli(pinnedMs), captureMs, labelsMs, gapsMs, notes);
        }
    }

    private long capture(long pinnedMs, String pinnedLsn, long deadline, KafkaConsumer<byte[], byte[]> consumer,
            List<String> notes) throws SQLException, InterruptedException {
        try (PreparedStatement ps = pg.prepareStatement(
                "SELECT s.confirmed_flush_lsn IS NOT NULL AND s.confirmed_flush_lsn >= ?::pg_lsn,"
                        + " coalesce(r.sent_lsn >= ?::pg_lsn, false)"
                        + " FROM pg_replication_slots s LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid"
                        + " WHERE s.slot_name = ?")) {
            ps.setString(1, pinnedLsn);
            ps.setString(2, pinnedLsn);
            ps.setString(3, slotName);
            while (true) {
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        notes.add("no replication slot '" + slotName + "' (cdc.slot.name): capture position taken from the"
                                + " newest commit in the CDC topics");
                        break;
                    }
                    if (rs.getBoolean(1)) {
                        return pinnedMs;
                    }
                    if (rs.getBoolean(2)) {
                        // Decoded and sent to the connector; what it received it hands to Kafka within one poll.
                        Thread.sleep(cdcHandOver.toMillis());
                        return pinnedMs;
                    }
                }
                if (System.nanoTime() >= deadline) {
                    notes.add("CDC (slot " + slotName + ") had not received the pinned LSN " + pinnedLsn + " within --wait:"
                            + " capture position taken from the newest commit in the CDC topics");
                    break;
                }
                Thread.sleep(POLL.toMillis());
            }
        }
        return Math.min(pinnedMs, newestCapturedCommit(consumer));
    }

    /** The newest source commit time among the last records of every CDC topic partition. */
    private long newestCapturedCommit(KafkaConsumer<byte[], byte[]> consumer) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : cdcTopics) {
            consumer.partitionsFor(topic, Duration.ofSeconds(10)).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        return newestCommitBefore(consumer, consumer.endOffsets(partitions));
    }

    /**
     * The newest source commit time among the last records before {@code endOffsets} of CDC topic partitions. Debezium
     * streams in commit order, so every transaction committed before that time is in the records before them.
     */
    public static long newestCommitBefore(Map<String, Object> kafkaConfig, Map<TopicPartition, Long> endOffsets) {
        Map<String, Object> config = new HashMap<>(kafkaConfig);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "sentinel-verify-position");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            return newestCommitBefore(consumer, endOffsets);
        }
    }

    private static long newestCommitBefore(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> ends) {
        List<TopicPartition> partitions = new ArrayList<>(ends.keySet());
        Map<TopicPartition, Long> begins = consumer.beginningOffsets(partitions);
        long newest = 0;
        ChangeEventDeserializer parser = new ChangeEventDeserializer();
        for (TopicPartition tp : partitions) {
            long end = ends.get(tp);
            long from = Math.max(begins.get(tp), end - 50);
            if (from >= end) {
                continue;
            }
            consumer.assign(List.of(tp));
            consumer.seek(tp, from);
            long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (consumer.position(tp) < end && System.nanoTime() < until) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                    Long ts = commitTime(parser, r);
                    if (ts != null) {
                        newest = Math.max(newest, ts);
                    }
                }
            }
        }
        consumer.assign(List.of());
        return newest;
    }

    /**
     * Commit time of the first record the group has not processed, over the partitions of {@code inputs} and of the
     * group's own repartition topics; {@link Long#MAX_VALUE} when every partition is drained.
     */
    private long groupPosition(Admin admin, KafkaConsumer<byte[], byte[]> consumer, String group, Set<String> inputs) {
        Map<TopicPartition, OffsetAndMetadata> committed;
        try {
            committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot read the committed offsets of group " + group + ": " + e.getCause(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        Map<TopicPartition, Long> offsets = committed.entrySet().stream()
                .filter(e -> e.getValue() != null)
                .filter(e -> inputs.contains(e.getKey().topic()) || e.getKey().topic().startsWith(group + "-"))
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        if (offsets.isEmpty()) {
            throw new ConfigException(StreamsSettings.APPLICATION_ID.name(), "the consumer group " + group + " has committed no"
                    + " offsets: verify measures how far `bin/sentinel run` has got, so run it first with the same "
                    + StreamsSettings.APPLICATION_ID.name() + " (environment variable SENTINEL_STREAMS_APPLICATION_ID) as this"
                    + " configuration");
        }
        Map<TopicPartition, Long> ends = consumer.endOffsets(offsets.keySet());
        long position = Long.MAX_VALUE;
        for (Map.Entry<TopicPartition, Long> e : offsets.entrySet()) {
            long end = ends.getOrDefault(e.getKey(), 0L);
            if (e.getValue() < end) {
                position = Math.min(position, firstCommitTime(consumer, e.getKey(), e.getValue(), end, 0));
            }
        }
        return position;
    }

    /** The labels position as far as the sink bounds it; {@link Long#MAX_VALUE} when it has written everything. */
    private long sinkPosition(KafkaConsumer<byte[], byte[]> consumer) {
        List<TopicPartition> partitions = consumer.partitionsFor(labelsTopic, Duration.ofSeconds(10)).stream()
                .map(p -> new TopicPartition(labelsTopic, p.partition())).toList();
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        Map<TopicPartition, Long> begins = consumer.beginningOffsets(partitions);
        Map<Integer, Long> written = clickhouse.maxOffsets(labelsTopic);
        long position = Long.MAX_VALUE;
        for (TopicPartition tp : partitions) {
            Long max = written.get(tp.partition());
            long next = max == null ? begins.get(tp) : max + 1;
            if (next < ends.get(tp)) {
                position = Math.min(position, firstCommitTime(consumer, tp, next, ends.get(tp), settle.toMillis()));
            }
        }
        return position;
    }

    /**
     * The commit time of the first data record in {@code [from, end)} (CDC: the envelope's {@code source.ts_ms};
     * other topics: the record timestamp, which the topologies set from the source commit time), minus
     * {@code minusMs}; {@link Long#MAX_VALUE} when that range holds only tombstones or transaction markers.
     */
    private long firstCommitTime(KafkaConsumer<byte[], byte[]> consumer, TopicPartition tp, long from, long end, long minusMs) {
        ChangeEventDeserializer parser = new ChangeEventDeserializer();
        consumer.assign(List.of(tp));
        consumer.seek(tp, from);
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        try {
            while (consumer.position(tp) < end && System.nanoTime() < until) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                    Long ts = cdcTopics.contains(r.topic()) ? commitTime(parser, r) : Long.valueOf(r.timestamp());
                    if (ts != null) {
                        return ts - minusMs;
                    }
                }
            }
            // not read in time: bound the position by what was read last, never leave it unbounded
            return System.nanoTime() >= until ? 0L : Long.MAX_VALUE;
        } finally {
            consumer.assign(List.of());
        }
    }

    private static Long commitTime(ChangeEventDeserializer parser, ConsumerRecord<byte[], byte[]> r) {
        if (r.value() == null) {
            return null;
        }
        try {
            ChangeEvent event = parser.deserialize(r.topic(), r.value());
            return event == null || event.source() == null ? null : event.source().tsMs();
        } catch (RuntimeException e) {
            return null; // malformed: dead-lettered by the topologies, no position of its own
        }
    }
}
