package io.cdcsentinel.sink;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the sink resumes a newly assigned partition: an offset, or the beginning of the partition. ClickHouse is
 * asked, not the group's committed offset alone (see {@link #of}); the sink first waits until no INSERT of the
 * partitions runs on the server, then reads {@code max(kafka_offset)} per partition, then decides here.
 *
 * @param partition the partition
 * @param offset    the position, or empty for the beginning of the partition
 */
record ResumePosition(TopicPartition partition, OptionalLong offset) {
    private static final Logger LOG = LoggerFactory.getLogger(ResumePosition.class);

    static ResumePosition beginning(TopicPartition partition) {
        return new ResumePosition(partition, OptionalLong.empty());
    }

    static ResumePosition at(TopicPartition partition, long offset) {
        return new ResumePosition(partition, OptionalLong.of(offset));
    }

    /**
     * The position of {@code tp}:
     * <ol>
     *   <li>{@code held}: {@code max(kafka_offset)} per partition of the topic, from the table, read once no
     *       INSERT of these partitions runs on the server (their fixed query ids, see
     *       {@link LabelTable#insertQueryId}): a previous owner killed after sending a complete body leaves
     *       an INSERT that still commits;</li>
     *   <li>position = max(that + 1, committed offset): the committed offset is written only after
     *       everything below it is in ClickHouse or in the dead-letter topic, so it is a safe floor and it
     *       skips records that leave no row (tombstones, dead letters, rows deleted since);</li>
     *   <li>a partition without rows resumes at its committed offset, or the beginning, except when the
     *       table holds no row of the topic at all: a new (or re-created) table is filled from the
     *       beginning whatever the group committed before.</li>
     * </ol>
     *
     * @param table     the table's qualified name, for messages
     * @param held      {@code max(kafka_offset)} per partition of the topic that has rows in the table
     * @param committed the group's committed offset of {@code tp}, or null
     * @param end       the end offset of {@code tp}, or null when unknown
     * @throws IllegalStateException when the table holds an offset at or beyond the end of the partition: the
     *         topic was re-created or truncated, and resuming would silently skip its records
     */
    static ResumePosition of(String table, TopicPartition tp, Map<Integer, Long> held, OffsetAndMetadata committed, Long end) {
        Long max = held.get(tp.partition());
        if (max != null && end != null && max + 1 > end) {
            throw new IllegalStateException(table + " holds offset " + max + " of " + tp
                    + " but the partition ends at " + end + ": the topic was re-created or truncated. Write to a new table"
                    + " (sink.table) or delete the rows of the old topic (kafka_topic = '" + tp.topic() + "')");
        }
        if (held.isEmpty()) {
            if (committed != null) {
                LOG.warn("{} holds no row of {}: reading {} from the beginning (the group's committed offset {} is ignored)",
                        table, tp.topic(), tp, committed.offset());
            }
            return beginning(tp);
        }
        if (max != null) {
            long position = Math.max(max + 1, committed == null ? 0 : committed.offset());
            LOG.info("{}: resuming at {} (ClickHouse holds up to {}, committed {})", tp, position, max,
                    committed == null ? "none" : committed.offset());
            return at(tp, position);
        }
        return committed != null ? at(tp, committed.offset()) : beginning(tp);
    }

    boolean fromBeginning() {
        return offset.isEmpty();
    }

    /** Moves {@code consumer}'s position of the partition here. */
    void applyTo(Consumer<?, ?> consumer) {
        if (fromBeginning()) {
            consumer.seekToBeginning(List.of(partition));
        } else {
            consumer.seek(partition, offset.getAsLong());
        }
    }
}
