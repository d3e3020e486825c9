package io.cdcsentinel.verify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * How far the pipeline had got when verify compared, as source commit times (epoch ms): everything PostgreSQL
 * committed before {@code labelsMs} has reached ClickHouse's label table (topology and sink), everything committed
 * before {@code gapsMs} has been decided by the gap topology. Read by {@link PositionReader}.
 *
 * @param pinnedAt PostgreSQL's clock when verify started: the position it waited for
 * @param captureMs commit time up to which Debezium has captured every change into the CDC topics
 */
public record PipelinePosition(Instant pinnedAt, long captureMs, long labelsMs, long gapsMs, List<String> notes) {

    public PipelinePosition {
        notes = List.copyOf(notes);
    }

    /** A position at {@code at} for every stage (the bench, and tests that have no pipeline). */
    public static PipelinePosition at(Instant at) {
        long ms = at.toEpochMilli();
        return new PipelinePosition(at, ms, ms, ms, List.of());
    }

    String describe() {
        StringBuilder sb = new StringBuilder("pinned at ").append(pinnedAt).append(" (PostgreSQL clock); captured by CDC up to ")
                .append(time(captureMs)).append(", labels in ClickHouse up to ").append(time(labelsMs)).append(", gaps decided up to ")
                .append(time(gapsMs));
        notes.forEach(n -> sb.append("\n  ").append(n));
        return sb.toString();
    }

    private String time(long ms) {
        Duration behind = Duration.ofMillis(Math.max(0, pinnedAt.toEpochMilli() - ms));
        return Instant.ofEpochMilli(ms) + (behind.isZero() ? "" : " (" + behind.toMillis() / 1000.0 + " s behind)");
    }

    ObjectNode json(ObjectMapper mapper) {
        ObjectNode o = mapper.createObjectNode();
        o.put("pinned_at", pinnedAt.toString());
        o.put("captured_up_to", Instant.ofEpochMilli(captureMs).toString());
        o.put("labels_up_to", Instant.ofEpochMilli(labelsMs).toString());
        o.put("gaps_up_to", Instant.ofEpochMilli(gapsMs).toString());
        notes.forEach(o.putArray("notes")::add);
        return o;
    }
}
