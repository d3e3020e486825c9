package io.cdcsentinel.topology.gaps;

import io.cdcsentinel.avro.ScorecardGapKey;
import io.cdcsentinel.avro.internal.gaps.GapInput;
import io.cdcsentinel.avro.internal.gaps.ScoreLink;
import io.cdcsentinel.cdc.BadChangeException;
import io.cdcsentinel.cdc.ChangeEvent;
import io.cdcsentinel.cdc.Op;
import io.cdcsentinel.cdc.ScoreRow;
import io.cdcsentinel.config.GapSettings;
import java.time.Duration;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First processor after the {@code director.scores} source: re-keys each score by its scorecard.
 *
 * <p>A delete captured with REPLICA IDENTITY DEFAULT carries only (customer, profile, resource_id), not
 * {@code scorecard_id}; so does an update's missing before image. The processor therefore remembers
 * score id -> scorecard id in {@link #INDEX_STORE}, on the scores' own partitioning (the source topic is
 * keyed by the score's primary key, so every change of one score reaches this same task and no
 * repartition is needed for the lookup).
 *
 * <p>The index is a window store keyed by score, its "window" being the score's {@code created_at}: Kafka
 * Streams drops whole expired segments as time passes, so the index holds the scores created within
 * {@link GapSettings#scoreIndexRetention()} at a constant cost, without a sweep. A key-only delete of an
 * older score finds nothing and is ignored (its scorecard has left the gap state by then too, unless
 * its gap is still open, whose {@code director_score_count} then stays one too high).
 *
 * <p>With {@code gaps.score-index.enabled=false} (a source with REPLICA IDENTITY FULL, where every before image
 * carries {@code scorecard_id}) there is no index: a key-only delete is unroutable and thrown to the dead-letter
 * topic, naming the setting; an update without a before image goes to its new scorecard only and is counted
 * ({@code score-update-without-before}), since a move away from the old one cannot be seen.
 */
final class ScoreLinkProcessor implements Processor<byte[], ChangeEvent, ScorecardGapKey, GapInput> {
    static final String INDEX_STORE = "gaps-score-index";

    private static final Logger LOG = LoggerFactory.getLogger(ScoreLinkProcessor.class);

    private final long retentionMs;
    private final boolean indexed;
    private ProcessorContext<ScorecardGapKey, GapInput> context;
    /** Null when {@link GapSettings#scoreIndex()} is off. */
    private WindowStore<String, String> index;
    private GapMetrics metrics;

    ScoreLinkProcessor(GapSettings settings) {
        this.retentionMs = settings.scoreIndexRetention().toMillis();
        this.indexed = settings.scoreIndex();
    }

    static ProcessorSupplier<byte[], ChangeEvent, ScorecardGapKey, GapInput> supplier(GapSettings settings) {
        StoreBuilder<WindowStore<String, String>> store = Stores.windowStoreBuilder(
                Stores.persistentWindowStore(INDEX_STORE, settings.scoreIndexRetention(), Duration.ofMillis(1), false),
                Serdes.String(), Serdes.String());
        return new ProcessorSupplier<>() {
            @Override
            public Processor<byte[], ChangeEvent, ScorecardGapKey, GapInput> get() {
                return new ScoreLinkProcessor(settings);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return settings.scoreIndex() ? Set.of(store) : Set.of();
            }
        };
    }

    @Override
    public void init(ProcessorContext<ScorecardGapKey, GapInput> context) {
        this.context = context;
        this.index = indexed ? context.getStateStore(INDEX_STORE) : null;
        this.metrics = new GapMetrics(context);
    }

    @Override
    public void process(Record<byte[], ChangeEvent> record) {
        ChangeEvent event = record.value();
        if (!CdcInputs.isRowChange(event, context, LOG)) {
            return;
        }
        ScoreRow row = ScoreRow.from(event.row());
        String scoreKey = row.customer() + '\u0000' + row.profile() + '\u0000' + row.resourceId();
        if (event.isDelete()) {
            String scorecardId = row.scorecardId() != null ? row.scorecardId() : lookup(scoreKey);
            if (scorecardId == null && !indexed) {
                throw new BadChangeException("delete of director.scores row " + row.resourceId() + " carries no scorecard_id"
                        + " (REPLICA IDENTITY DEFAULT) and " + GapSettings.SCORE_INDEX.name() + "=false: set the table's"
                        + " REPLICA IDENTITY FULL, or " + GapSettings.SCORE_INDEX.name() + "=true under a new application id");
            }
            if (scorecardId == null) {
                metrics.unknownScoreDelete();
                LOG.debug("score {} deleted with a key-only before image and not in the index: ignored", row.resourceId());
                return;
            }
            forward(event, row, scorecardId, false, record.timestamp());
            return;
        }
        String scorecardId = row.scorecardId();
        if (scorecardId == null || scorecardId.isEmpty()) {
            throw new BadChangeException("director.scores row " + row.resourceId() + " without scorecard_id");
        }
        if (event.op() == Op.UPDATE) {
            if (event.before() == null && !indexed) {
                metrics.scoreUpdateWithoutBefore();
            }
            String previous = event.before() != null ? event.before().text("scorecard_id") : lookup(scoreKey);
            if (previous != null && !previous.equals(scorecardId)) {
                forward(event, row, previous, false, record.timestamp());
            }
        }
        long windowStart = row.createdAt() != null ? GapKeys.microsToMillis(row.createdAt()) : record.timestamp();
        if (indexed && windowStart > context.currentStreamTimeMs() - retentionMs) {
            index.put(scoreKey, scorecardId, windowStart);
        }
        forward(event, row, scorecardId, true, record.timestamp());
    }

    private String lookup(String scoreKey) {
        if (!indexed) {
            return null;
        }
        try (WindowStoreIterator<String> it = index.backwardFetch(scoreKey, 0L, Long.MAX_VALUE)) {
            return it.hasNext() ? it.next().value : null;
        }
    }

    private void forward(ChangeEvent event, ScoreRow row, String scorecardId, boolean present, long timestamp) {
        context.forward(new Record<>(GapKeys.scorecard(row.customer(), row.profile(), scorecardId),
                CdcInputs.input(event, new ScoreLink(row.resourceId(), present), context), timestamp));
    }

    @Override
    public void close() {
        if (metrics != null) {
            metrics.close();
        }
    }
}
