package io.cdcsentinel.topology.gaps;

import io.cdcsentinel.avro.ScorecardGapKey;
import io.cdcsentinel.avro.internal.gaps.GapInput;
import io.cdcsentinel.avro.internal.gaps.HistoricLink;
import io.cdcsentinel.cdc.ChangeEvent;
import io.cdcsentinel.cdc.HistoricScoreRow;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First processor after the {@code historic.scorecard_scores} source: re-keys the row by its scorecard,
 * mapping {@code customer_id}/{@code profile_id} onto the director naming. The scorecard id is part of the
 * row's primary key, so even a key-only delete finds its scorecard without any lookup.
 */
final class HistoricLinkProcessor implements Processor<byte[], ChangeEvent, ScorecardGapKey, GapInput> {
    private static final Logger LOG = LoggerFactory.getLogger(HistoricLinkProcessor.class);

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
        HistoricScoreRow row = HistoricScoreRow.from(event.row());
        HistoricLink link = new HistoricLink(row.criterionId(), !event.isDelete());
        context.forward(new Record<>(GapKeys.scorecard(row.customerId(), row.profileId(), row.scorecardId()),
                CdcInputs.input(event, link, context), record.timestamp()));
    }
}
