package io.cdcsentinel.topology.gaps;

import io.cdcsentinel.avro.GapRateKey;
import io.cdcsentinel.avro.ScorecardGapKey;
import io.cdcsentinel.avro.internal.gaps.ConversationKey;
import io.cdcsentinel.avro.internal.gaps.ConversationState;
import io.cdcsentinel.avro.internal.gaps.GapInput;
import io.cdcsentinel.avro.internal.gaps.GapTransition;
import io.cdcsentinel.avro.internal.gaps.RateBucketState;
import io.cdcsentinel.avro.internal.gaps.RateCounts;
import io.cdcsentinel.avro.internal.gaps.ScorecardGapState;
import io.cdcsentinel.avro.internal.gaps.TenantDayKey;
import io.cdcsentinel.topology.PlainAvroSerde;

/**
 * Serdes of the topology's own repartition topics and state stores: plain Avro binary, no registry.
 * Writer and reader are always the same build; a schema change of a stored type is compatible only if
 * Avro's binary encoding reads old bytes with the new schema (appending fields with defaults is not
 * enough without a writer schema), so such a change needs a new application id or a state reset.
 */
final class GapSerdes {
    static final PlainAvroSerde<ScorecardGapKey> SCORECARD_KEY = new PlainAvroSerde<>(ScorecardGapKey.class);
    static final PlainAvroSerde<GapInput> INPUT = new PlainAvroSerde<>(GapInput.class);
    static final PlainAvroSerde<ScorecardGapState> STATE = new PlainAvroSerde<>(ScorecardGapState.class);
    static final PlainAvroSerde<ConversationKey> CONVERSATION_KEY = new PlainAvroSerde<>(ConversationKey.class);
    static final PlainAvroSerde<ConversationState> CONVERSATION = new PlainAvroSerde<>(ConversationState.class);
    static final PlainAvroSerde<GapTransition> TRANSITION = new PlainAvroSerde<>(GapTransition.class);
    static final PlainAvroSerde<TenantDayKey> TENANT_DAY = new PlainAvroSerde<>(TenantDayKey.class);
    static final PlainAvroSerde<RateCounts> RATE_COUNTS = new PlainAvroSerde<>(RateCounts.class);
    static final PlainAvroSerde<GapRateKey> RATE_KEY = new PlainAvroSerde<>(GapRateKey.class);
    static final PlainAvroSerde<RateBucketState> BUCKET = new PlainAvroSerde<>(RateBucketState.class);

    private GapSerdes() {
    }
}
