package io.cdcsentinel.topology.labels;

import io.cdcsentinel.avro.internal.labels.ChangeOp;
import io.cdcsentinel.cdc.BadChangeException;
import io.cdcsentinel.cdc.Op;

/** Small mappings shared by the first processors. */
final class LabelChanges {
    private LabelChanges() {
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
