package io.cdcsentinel.topology.gaps;

import io.cdcsentinel.avro.ScorecardGapEvent;
import io.cdcsentinel.avro.ScorecardGapKey;
import io.cdcsentinel.avro.internal.gaps.ConversationKey;
import io.cdcsentinel.avro.internal.gaps.ConversationState;
import io.cdcsentinel.avro.internal.gaps.GapInput;
import io.cdcsentinel.avro.internal.gaps.GapTransition;
import io.cdcsentinel.avro.internal.gaps.RateCounts;
import io.cdcsentinel.avro.internal.gaps.TenantDayKey;
import io.cdcsentinel.config.GapSettings;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Joined;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * The historic-gap topology: scorecards that never reach {@code historic.scorecard_scores}, as a lifecycle
 * of alerts ({@code scorecard-historic-gaps}) and as missing-rate roll-ups with a threshold alert
 * ({@code scorecard-historic-gap-rates}).
 *
 * <pre>
 *  director.scorecards ─ parse ────────────┐
 *  director.scores ─ parse + score index ──┼─ merge ─ repartition by scorecard ─ ScorecardGapProcessor ─┬─ transitions ─ repartition by conversation ─┐
 *  historic.scorecard_scores ─ parse ──────┘                                                             │                                             ├─ leftJoin ─ scorecard-historic-gaps
 *  app.chats ─ parse ─ repartition by conversation ─ versioned table ────────────────────────────────────┼─────────────────────────────────────────────┘
 *                                                                                                        └─ roll-up counts per tenant-hour ─ repartition by tenant/day ─ GapRateProcessor ─ scorecard-historic-gap-rates
 * </pre>
 *
 * <ul>
 *   <li>Everything about one scorecard meets in one task: its row, its scores and its historic rows are
 *       re-keyed by (customer, profile, scorecard id) into one repartition topic.</li>
 *   <li>The three sources are merged <em>before</em> that repartition, so that they form one sub-topology:
 *       one task reads partition <i>n</i> of all three topics and Kafka Streams hands it their records in
 *       timestamp order, so a scorecard's scores and historic rows enter the repartition topic with the
 *       scorecard row of the same moment. As three sub-topologies they would progress independently, and the
 *       one reading {@code director.scores} (several rows per scorecard) falls behind in event time during a
 *       burst or a replay: the scorecard state would then see stream time pass grace deadlines while rows
 *       committed before them were still upstream, and raise false gaps.</li>
 *   <li>The conversation is a foreign-key relation (many scorecards, one chat) that only the gap events
 *       need. A KTable-KTable foreign-key join does not fit them: it keeps the latest left value only
 *       (a response for a superseded value is dropped, so an OPENED quickly followed by its RESOLVED
 *       could lose the OPENED) and it re-emits every subscribed row when the chat changes (a repeated
 *       event). A stream-table join of the events, re-keyed by conversation, against a versioned chat
 *       table gives each event exactly once, with the conversation as of the event's decision time, and
 *       keeps no per-scorecard state on the chat side.</li>
 *   <li>Bad records throw in the parse processors, the first after each source, so Kafka Streams'
 *       handlers send the original bytes to the dead-letter topic.</li>
 * </ul>
 */
public final class HistoricGapTopology {
    public static final String CONVERSATION_STORE = "gaps-conversations";
    /** The repartition topic is {@code <application.id>-gaps-changes-by-scorecard-repartition}. */
    public static final String CHANGES_REPARTITION = "gaps-changes-by-scorecard";

    private HistoricGapTopology() {
    }

    /** The Streams application id of this topology: {@code <streams.application.id>-gaps}. */
    public static String applicationId(String prefix) {
        return prefix + "-gaps";
    }

    public static Topology build(GapTopics topics, GapSettings settings) {
        StreamsBuilder builder = new StreamsBuilder();

        KStream<ScorecardGapKey, GapInput> scorecards = builder
                .stream(topics.scorecards().name(), topics.scorecards().consumed())
                .process(ScorecardChangeProcessor::new, Named.as("gaps-parse-scorecards"));
        KStream<ScorecardGapKey, GapInput> scores = builder
                .stream(topics.scores().name(), topics.scores().consumed())
                .process(ScoreLinkProcessor.supplier(settings), Named.as("gaps-parse-scores"));
        KStream<ScorecardGapKey, GapInput> historic = builder
                .stream(topics.historicScores().name(), topics.historicScores().consumed())
                .process(HistoricLinkProcessor::new, Named.as("gaps-parse-historic"));
        KStream<ScorecardGapKey, GapInput> changes = scorecards
                .merge(scores, Named.as("gaps-merge-scores"))
                .merge(historic, Named.as("gaps-merge-historic"))
                .repartition(Repartitioned.with(GapSerdes.SCORECARD_KEY, GapSerdes.INPUT).withName(CHANGES_REPARTITION));
        KTable<ConversationKey, ConversationState> conversations = builder
                .stream(topics.chats().name(), topics.chats().consumed())
                .process(ConversationChangeProcessor::new, Named.as("gaps-parse-chats"))
                .repartition(Repartitioned.with(GapSerdes.CONVERSATION_KEY, GapSerdes.CONVERSATION)
                        .withName("gaps-chats-by-conversation"))
                .toTable(Named.as("gaps-conversation-table"),
                        Materialized.<ConversationKey, ConversationState>as(
                                        Stores.persistentVersionedKeyValueStore(CONVERSATION_STORE, settings.conversationHistory()))
                                .withKeySerde(GapSerdes.CONVERSATION_KEY)
                                .withValueSerde(GapSerdes.CONVERSATION));

        KStream<ScorecardGapKey, GapOutput> outputs = changes
                .process(ScorecardGapProcessor.supplier(settings), Named.as("gaps-scorecard-state"));

        outputs.<ConversationKey, GapTransition>flatMap((key, out) -> out instanceof GapOutput.Transition t
                        ? List.of(KeyValue.pair(t.routing(), t.transition())) : List.of(), Named.as("gaps-select-transitions"))
                .repartition(Repartitioned.with(GapSerdes.CONVERSATION_KEY, GapSerdes.TRANSITION)
                        .withName("gaps-transitions-by-conversation"))
                .leftJoin(conversations, new ConversationJoiner(),
                        Joined.with(GapSerdes.CONVERSATION_KEY, GapSerdes.TRANSITION, GapSerdes.CONVERSATION)
                                .withName("gaps-join-conversation"))
                .<ScorecardGapKey, ScorecardGapEvent>map((key, t) -> KeyValue.pair(
                        GapKeys.scorecard(t.getCustomer(), t.getProfile(), t.getScorecardId()), t.getEvent()),
                        Named.as("gaps-key-by-scorecard"))
                .to(topics.gaps().name(), topics.gaps().produced());

        outputs.<TenantDayKey, RateCounts>flatMap((key, out) -> out instanceof GapOutput.Counts c
                        ? List.of(KeyValue.pair(c.day(), c.counts())) : List.of(), Named.as("gaps-select-rate-counts"))
                .repartition(Repartitioned.with(GapSerdes.TENANT_DAY, GapSerdes.RATE_COUNTS).withName("gaps-rate-counts-by-day"))
                .process(GapRateProcessor.supplier(settings), Named.as("gaps-rates"))
                .to(topics.gapRates().name(), topics.gapRates().produced());

        return builder.build();
    }

}
