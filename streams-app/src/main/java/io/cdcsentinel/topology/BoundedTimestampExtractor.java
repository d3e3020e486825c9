package io.cdcsentinel.topology;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.Configurable;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * {@link ChangeEventTimestampExtractor} with an end: a record at or beyond the end offset of its CDC topic partition
 * ({@value #END_OFFSETS}: {@code topic-partition=offset,...}) gets a negative timestamp, which makes Kafka Streams
 * skip it (it is consumed, its offset committed, nothing processed). That is how a bounded replay ({@code backfill})
 * stops exactly at the end offsets it captured while the topologies themselves stay unchanged: the live tail that
 * keeps arriving on the same topics is read past and ignored instead of changing the backfill's outputs. Partitions
 * without an end (internal topics) are not bounded.
 */
public final class BoundedTimestampExtractor implements TimestampExtractor, Configurable {
    public static final String END_OFFSETS = "sentinel.backfill.end.offsets";

    private final ChangeEventTimestampExtractor inner = new ChangeEventTimestampExtractor();
    private final Map<String, Map<Integer, Long>> ends = new HashMap<>();

    @Override
    public void configure(Map<String, ?> configs) {
        Object value = configs.get(END_OFFSETS);
        if (value == null) {
            throw new IllegalArgumentException(END_OFFSETS + " is not set: the bounded extractor needs the end offsets");
        }
        ends.putAll(parse(value.toString()));
    }

    /** {@code topic-partition=offset,...} as written by {@link #format}. */
    public static Map<String, Map<Integer, Long>> parse(String value) {
        Map<String, Map<Integer, Long>> result = new HashMap<>();
        for (String entry : value.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            int eq = entry.lastIndexOf('=');
            int dash = entry.lastIndexOf('-', eq);
            result.computeIfAbsent(entry.substring(0, dash), t -> new HashMap<>())
                    .put(Integer.parseInt(entry.substring(dash + 1, eq)), Long.parseLong(entry.substring(eq + 1)));
        }
        return result;
    }

    public static String format(Map<String, Long> endOffsets) {
        StringBuilder s = new StringBuilder();
        endOffsets.forEach((tp, offset) -> s.append(s.length() == 0 ? "" : ",").append(tp).append('=').append(offset));
        return s.toString();
    }

    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        Map<Integer, Long> partitions = ends.get(record.topic());
        if (partitions != null) {
            Long end = partitions.get(record.partition());
            if (end == null || record.offset() >= end) {
                return -1;
            }
        }
        return inner.extract(record, partitionTime);
    }
}
