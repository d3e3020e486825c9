package io.cdcsentinel.topology.labels;

import io.cdcsentinel.avro.internal.labels.ChangeOp;
import io.cdcsentinel.cdc.BadChangeException;
import io.cdcsentinel.cdc.Op;
import io.cdcsentinel.cdc.SourcePosition;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/** Small mappings shared by the first processors. */
final class LabelChanges {
    private LabelChanges() {
    }

    /**
     * Whether a change of version {@code candidate} replaces a row (chats row, event, event route) last written by
     * version {@code current}. Streamed changes are newer than snapshot images, whatever their versions: a streamed
     * change committed after the snapshot point, but the first transaction after the connector's first start may
     * carry a version below the snapshot's ({@link SourcePosition#version()}), and dropping it as an older
     * re-delivery would lose it. Between two snapshot images, or two streamed changes, the higher version wins.
     *
     * <p>So a snapshot image never replaces a streamed change: it is a re-read of a row whose changes the stream
     * delivers anyway. The price: after a replication slot was lost and re-created, a new snapshot does not repair
     * the state of conversations that are still kept (only of those whose state is absent or expired); such a
     * recovery is a replay under a new application id.
     */
    static boolean supersedes(long candidate, long current) {
        boolean candidateIsSnapshot = SourcePosition.isSnapshotVersion(candidate);
        boolean currentIsSnapshot = SourcePosition.isSnapshotVersion(current);
        if (candidateIsSnapshot != currentIsSnapshot) {
            return currentIsSnapshot;
        }
        return candidate > current;
    }

    /**
     * The partition of the CDC topic the current record was read from: the upstream task that writes it to the
     * repartition topic, whose progress the conversation task tracks ({@link io.cdcsentinel.topology.UpstreamWatermark}).
     */
    static int sourcePartition(ProcessorContext<?, ?> context) {
        return context.recordMetadata().map(RecordMetadata::partition).orElse(-1);
    }

    static ChangeOp op(Op op) {
        return switch (op) {
            case CREATE -> ChangeOp.CREATE;
            case READ -> ChangeOp.READ;
            case UPDATE -> ChangeOp.UPDATE;
            case DELETE -> ChangeOp.DELETE;
            default -> throw new BadChangeException("op '" + op.code() + "' is not a row change");
        };
    }
}
