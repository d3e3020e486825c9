package io.cdcsentinel.topology.labels;

import io.cdcsentinel.avro.internal.labels.ChangeEntity;
import io.cdcsentinel.avro.internal.labels.ChangeOp;
import io.cdcsentinel.cdc.BadChangeException;
import io.cdcsentinel.cdc.Op;
import io.cdcsentinel.cdc.SourcePosition;
import org.apache.kafka.streams.processor.api.ProcessorContext;

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

    /** Upstream sources per CDC partition: app.chats and app.chat_events. */
    static final int SOURCES_PER_PARTITION = 2;

    /**
     * The CDC topic partition the current record was read from, numbered for the conversation task's
     * {@link io.cdcsentinel.topology.UpstreamWatermark}: {@code 2 * partition + 0} for app.chats, {@code + 1} for
     * app.chat_events. Each is in commit order (unlike an upstream task, which reads both topics of its partition
     * and interleaves them in timestamp order only as far as their records happen to be buffered).
     */
    static int upstreamSource(ProcessorContext<?, ?> context, ChangeEntity topic) {
        return context.recordMetadata().map(m -> SOURCES_PER_PARTITION * m.partition() + topic.ordinal()).orElse(-1);
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
