package io.cdcsentinel.topology.gaps;

import io.cdcsentinel.avro.ScorecardGapKey;
import io.cdcsentinel.avro.internal.gaps.GapInput;
import io.cdcsentinel.avro.internal.gaps.ScorecardChange;
import io.cdcsentinel.avro.internal.gaps.ScorecardFacts;
import io.cdcsentinel.cdc.ChangeEvent;
import io.cdcsentinel.cdc.ScorecardRow;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First processor after the {@code director.scorecards} source: parses the row and re-keys it by
 * (customer, profile, resource_id). A delete captured with REPLICA IDENTITY DEFAULT carries only the key
 * columns; it is forwarded without facts and the state keeps what it knew.
 */
final class ScorecardChangeProcessor implements Processor<byte[], ChangeEvent, ScorecardGapKey, GapInput> {
    private static final Logger LOG = LoggerFactory.getLogger(ScorecardChangeProcessor.class);

    private ProcessorContext<ScorecardGapKey, GapInput> context;

    @Override
    public void init(ProcessorContext<ScorecardGapKey, GapInput> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], ChangeEvent> record) {
        ChangeEvent event = record.value();
        if (!CdcInputs.isRowChange(event, context, LOG)) {
            return;
        }
        ScorecardRow row = ScorecardRow.from(event.row());
        ScorecardFacts facts = event.isDelete() && row.createdAt() == null ? null : facts(row);
        ScorecardChange change = new ScorecardChange(event.isDelete(), facts);
        context.forward(new Record<>(GapKeys.scorecard(row.customer(), row.profile(), row.resourceId()),
                CdcInputs.input(event, change, context), record.timestamp()));
    }

    private static ScorecardFacts facts(ScorecardRow row) {
        return new ScorecardFacts(row.templateId(), row.conversationId(), row.scorecardType(), row.calibratedScorecardId(),
                row.createdAt(), row.submittedAt(), row.deletedAt());
    }
}
