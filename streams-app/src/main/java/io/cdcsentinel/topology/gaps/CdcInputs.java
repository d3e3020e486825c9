package io.cdcsentinel.topology.gaps;

import io.cdcsentinel.avro.internal.gaps.GapInput;
import io.cdcsentinel.cdc.ChangeEvent;
import io.cdcsentinel.cdc.Op;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.slf4j.Logger;

/**
 * The CDC contract shared by the four parse processors, the first processors after the sources. Every
 * exception they throw (a {@link io.cdcsentinel.cdc.BadChangeException} for a row without its key columns)
 * reaches the processing exception handler while the original record is still the one being processed,
 * so the dead-letter topic receives its original bytes with topic, partition and offset headers.
 *
 * <table>
 *   <caption>Debezium envelope to topology input</caption>
 *   <tr><th>record</th><th>handling</th></tr>
 *   <tr><td>op c, r, u</td><td>{@code after} is the row now</td></tr>
 *   <tr><td>op d</td><td>{@code before} (at least the key columns) is the row that is gone</td></tr>
 *   <tr><td>op t (truncate)</td><td>skipped with a warning: a truncate is an operator action, not an API write</td></tr>
 *   <tr><td>op m (message)</td><td>skipped</td></tr>
 *   <tr><td>tombstone (null value)</td><td>skipped: it only follows a delete for compaction</td></tr>
 * </table>
 */
final class CdcInputs {
    private CdcInputs() {
    }

    /** True when the record changes a row and must be handled. */
    static boolean isRowChange(ChangeEvent event, ProcessorContext<?, ?> context, Logger log) {
        if (event == null) {
            return false;
        }
        if (event.isRowChange()) {
            return true;
        }
        if (event.op() == Op.TRUNCATE) {
            context.recordMetadata().ifPresent(m -> log.warn(
                    "skipping TRUNCATE of {}.{} at {}-{}@{}: rows removed by a truncate are not seen by the gap rule",
                    event.schema(), event.table(), m.topic(), m.partition(), m.offset()));
        }
        return false;
    }

    /** The change with its source position and the source partition it was read from (its upstream task). */
    static GapInput input(ChangeEvent event, Object change, ProcessorContext<?, ?> context) {
        int partition = context.recordMetadata().map(m -> m.partition()).orElse(-1);
        return new GapInput(event.source().lsn(), event.source().tsMs(), event.source().snapshot(), partition, change);
    }
}
