package io.cdcsentinel.topology.gaps;

import io.cdcsentinel.avro.GapRate;
import io.cdcsentinel.avro.GapRateKey;
import io.cdcsentinel.avro.ScorecardGapEvent;
import io.cdcsentinel.avro.ScorecardGapKey;
import io.cdcsentinel.cdc.ChangeEvent;
import io.cdcsentinel.cdc.ChangeEventSerde;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.topology.AvroSerdes;
import io.cdcsentinel.topology.PlainAvroSerde;
import io.cdcsentinel.topology.Topic;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The topics of the historic-gap topology. The CDC inputs are read with a byte-array key: the topology
 * never parses Debezium's key, it re-keys every change from the key columns of its row image, which
 * works the same whatever key converter the connector used.
 */
public record GapTopics(Topic<byte[], ChangeEvent> scorecards, Topic<byte[], ChangeEvent> scores,
        Topic<byte[], ChangeEvent> historicScores, Topic<byte[], ChangeEvent> chats,
        Topic<ScorecardGapKey, ScorecardGapEvent> gaps, Topic<GapRateKey, GapRate> gapRates) {

    /** Production: the outputs use the registry-aware serde configured by {@code serde.avro.class}. */
    public static GapTopics create(TopicNames names, AvroSerdes serdes) {
        return new GapTopics(cdc(names.scorecards()), cdc(names.scores()), cdc(names.historicScores()), cdc(names.chats()),
                new Topic<>(names.gaps(), serdes.forKeys(ScorecardGapKey.class), serdes.forValues(ScorecardGapEvent.class)),
                new Topic<>(names.gapRates(), serdes.forKeys(GapRateKey.class), serdes.forValues(GapRate.class)));
    }

    /** Tests and registry-less tools: the outputs are plain Avro binary ({@link PlainAvroSerde}). */
    public static GapTopics withPlainAvro(TopicNames names) {
        return new GapTopics(cdc(names.scorecards()), cdc(names.scores()), cdc(names.historicScores()), cdc(names.chats()),
                new Topic<>(names.gaps(), new PlainAvroSerde<>(ScorecardGapKey.class), new PlainAvroSerde<>(ScorecardGapEvent.class)),
                new Topic<>(names.gapRates(), new PlainAvroSerde<>(GapRateKey.class), new PlainAvroSerde<>(GapRate.class)));
    }

    private static Topic<byte[], ChangeEvent> cdc(String name) {
        return new Topic<>(name, Serdes.ByteArray(), new ChangeEventSerde());
    }
}
