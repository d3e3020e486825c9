package io.cdcsentinel.topology.gaps;

import io.cdcsentinel.avro.internal.gaps.ConversationKey;
import io.cdcsentinel.avro.internal.gaps.GapTransition;
import io.cdcsentinel.avro.internal.gaps.RateCounts;
import io.cdcsentinel.avro.internal.gaps.TenantDayKey;

/**
 * What {@link ScorecardGapProcessor} hands downstream, each with the key of its next repartition: gap
 * transitions go to the conversation join, roll-up counts to the roll-ups. Never serialized: the topology
 * splits the two kinds before their repartition topics.
 */
sealed interface GapOutput {

    record Transition(ConversationKey routing, GapTransition transition) implements GapOutput {
    }

    record Counts(TenantDayKey day, RateCounts counts) implements GapOutput {
    }
}
