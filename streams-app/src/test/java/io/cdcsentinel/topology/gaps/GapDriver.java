package io.cdcsentinel.topology.gaps;

import io.cdcsentinel.avro.GapRate;
import io.cdcsentinel.avro.GapRateKey;
import io.cdcsentinel.avro.ScorecardGapEvent;
import io.cdcsentinel.avro.ScorecardGapKey;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.GapSettings;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.StreamsSettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.topology.StreamsProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * The historic-gap topology in a TopologyTestDriver, configured exactly as {@code bin/sentinel run}
 * configures it ({@link StreamsProperties}: timestamp extractor, exception handlers, dead-letter topic).
 */
final class GapDriver implements AutoCloseable {
    static final TopicNames TOPICS = TopicNames.defaults();
    private static final AtomicInteger TICKS = new AtomicInteger();

    final TopologyTestDriver driver;
    final GapSettings settings;
    private final TestInputTopic<byte[], byte[]> scorecards;
    private final TestInputTopic<byte[], byte[]> scores;
    private final TestInputTopic<byte[], byte[]> historic;
    private final TestInputTopic<byte[], byte[]> chats;
    private final TestOutputTopic<ScorecardGapKey, ScorecardGapEvent> gaps;
    private final TestOutputTopic<GapRateKey, GapRate> rates;
    private final TestOutputTopic<byte[], byte[]> dlq;
    private final List<TestRecord<ScorecardGapKey, ScorecardGapEvent>> gapLog = new ArrayList<>();
    private final List<TestRecord<GapRateKey, GapRate>> rateLog = new ArrayList<>();
    private final Path stateDir;

    GapDriver(Instant wallClock) {
        this(GapSettings.defaults(), "gaps-test", wallClock);
    }

    GapDriver(GapSettings settings, String applicationId, Instant wallClock) {
        this(settings, applicationId, wallClock, Map.of());
    }

    /** With {@code streamsOverrides} applied on top of the production Streams configuration. */
    GapDriver(GapSettings settings, String applicationId, Instant wallClock, Map<String, Object> streamsOverrides) {
        this.settings = settings;
        try {
            this.stateDir = Files.createTempDirectory("gap-driver");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        ConfigSource config = ConfigSource.of(Map.of("kafka.bootstrap", "127.0.0.1:9", "streams.state.dir", stateDir.toString()));
        Properties props = StreamsProperties.create(applicationId, KafkaSettings.from(config), StreamsSettings.from(config), TOPICS);
        props.putAll(streamsOverrides);
        GapTopics topics = GapTopics.withPlainAvro(TOPICS);
        this.driver = new TopologyTestDriver(HistoricGapTopology.build(topics, settings), props, wallClock);
        this.scorecards = input(TOPICS.scorecards());
        this.scores = input(TOPICS.scores());
        this.historic = input(TOPICS.historicScores());
        this.chats = input(TOPICS.chats());
        this.gaps = driver.createOutputTopic(TOPICS.gaps(), topics.gaps().keySerde().deserializer(),
                topics.gaps().valueSerde().deserializer());
        this.rates = driver.createOutputTopic(TOPICS.gapRates(), topics.gapRates().keySerde().deserializer(),
                topics.gapRates().valueSerde().deserializer());
        this.dlq = driver.createOutputTopic(TOPICS.deadLetters(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    static GapSettings settings(Map<String, String> overrides) {
        return GapSettings.from(ConfigSource.of(new HashMap<>(overrides)));
    }

    private TestInputTopic<byte[], byte[]> input(String name) {
        return driver.createInputTopic(name, new ByteArraySerializer(), new ByteArraySerializer());
    }

    GapDriver scorecard(Cdc.Change change) {
        scorecards.pipeInput(change.key(), change.value());
        return this;
    }

    GapDriver score(Cdc.Change change) {
        scores.pipeInput(change.key(), change.value());
        return this;
    }

    GapDriver historic(Cdc.Change change) {
        historic.pipeInput(change.key(), change.value());
        return this;
    }

    GapDriver chat(Cdc.Change change) {
        chats.pipeInput(change.key(), change.value());
        return this;
    }

    /**
     * Moves the scorecard task's stream time to {@code at} with a change nobody watches: a historic row
     * of a tenant that has no scorecards.
     */
    GapDriver advanceTo(Instant at) {
        return historic(Cdc.historic("clock", "clock", "tick-" + TICKS.incrementAndGet(), "c", at, false));
    }

    /**
     * Advances to {@code at}, then far enough for everything decided by {@code at} to also leave the
     * throttled roll-ups.
     */
    GapDriver advancePast(Instant at) {
        advanceTo(at);
        return advanceTo(at.plus(settings.rateEmitInterval()).plus(settings.punctuationInterval().multipliedBy(2)));
    }

    GapDriver advanceWallClock(Duration by) {
        driver.advanceWallClockTime(by);
        return this;
    }

    /** Every gap record emitted so far, in order (tombstones included, with a null value). */
    List<TestRecord<ScorecardGapKey, ScorecardGapEvent>> gapRecords() {
        gapLog.addAll(gaps.readRecordsToList());
        return gapLog;
    }

    List<ScorecardGapEvent> gapEvents() {
        return gapRecords().stream().map(TestRecord::value).filter(java.util.Objects::nonNull).toList();
    }

    List<ScorecardGapEvent> gapEventsOf(String scorecardId) {
        return gapEvents().stream().filter(e -> e.getScorecardId().equals(scorecardId)).toList();
    }

    List<TestRecord<GapRateKey, GapRate>> rateRecords() {
        rateLog.addAll(rates.readRecordsToList());
        return rateLog;
    }

    List<GapRate> rates() {
        return rateRecords().stream().map(TestRecord::value).toList();
    }

    List<TestRecord<byte[], byte[]>> deadLetters() {
        return dlq.readRecordsToList();
    }

    @Override
    public void close() {
        driver.close();
        try (var files = Files.walk(stateDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException e) {
            // best effort: a temp directory
        }
    }
}
