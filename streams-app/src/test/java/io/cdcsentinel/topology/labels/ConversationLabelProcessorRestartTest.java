package io.cdcsentinel.topology.labels;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcsentinel.avro.ConversationLabel;
import io.cdcsentinel.avro.ConversationLabelKey;
import io.cdcsentinel.avro.LabelKind;
import io.cdcsentinel.avro.internal.labels.ChangeEntity;
import io.cdcsentinel.avro.internal.labels.ChangeOp;
import io.cdcsentinel.avro.internal.labels.ChatImage;
import io.cdcsentinel.avro.internal.labels.LabelChange;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.LabelSettings;
import io.cdcsentinel.metrics.Meters;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.MockProcessorContext.CapturedPunctuator;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.StoreBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17: a restart of the conversation task inside a settle window, with no change arriving after it. The
 * processor is restarted the way Kafka Streams restarts it: a new instance and a new context over the same
 * (restored) stores, its in-memory fields gone. TopologyTestDriver cannot do this (it deletes its state on close).
 */
class ConversationLabelProcessorRestartTest {
    static {
        // counters of the global registry count only once a registry is attached (Telemetry adds Prometheus's)
        io.micrometer.core.instrument.Metrics.globalRegistry.add(new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    }

    private static final Instant T0 = Instant.parse("2026-12-06T10:00:00Z");
    private static final LabelSettings SETTINGS = LabelSettings.from(ConfigSource.of(Map.of(
            "labels.settle.window", "5s", "labels.fallback.idle", "2s", "labels.punctuation.interval", "100ms")));

    @TempDir
    Path stateDir;

    private final List<StateStore> stores = new ArrayList<>();
    private MockProcessorContext<ConversationLabelKey, ConversationLabel> context;
    private ConversationLabelProcessor processor;
    private long version;
    /** The task's stream time, which Kafka Streams restores from the committed offsets' metadata on a restart. */
    private long streamTime = -1;

    @AfterEach
    void closeStores() {
        if (processor != null) {
            processor.close();
        }
        stores.forEach(StateStore::close);
    }

    @Test
    void shouldWriteAHeldFinalWithinTheIdleTimeOfARestartInsideTheSettleWindowWithoutNewInput() {
        start(T0.plusMillis(100));
        change(ChangeOp.CREATE, T0, null, T0.plusMillis(100));
        Instant end = T0.plusSeconds(1);
        change(ChangeOp.UPDATE, end, end, end.plusMillis(100));
        punctuate(end.plusMillis(200));
        assertThat(context.forwarded()).as("inside the settle window").isEmpty();

        // kill -9 four seconds after the end; the restart comes at end + 4 s, before the deadline at end + 5 s
        start(end.plusSeconds(4));
        punctuate(end.plusSeconds(5));
        assertThat(context.forwarded()).as("the restart is not yet idle for labels.fallback.idle").isEmpty();
        for (int i = 1; i <= 20; i++) {
            punctuate(end.plusSeconds(5).plusMillis(100L * i));
        }

        List<ConversationLabel> labels = labels();
        assertThat(labels).extracting(ConversationLabel::getKind).containsExactly(LabelKind.FINAL);
        assertThat(labels.get(0).getEndedAt()).isEqualTo(end);
        for (int i = 1; i <= 20; i++) {
            punctuate(end.plusSeconds(7).plusSeconds(i));
        }
        assertThat(context.forwarded()).as("written once").hasSize(1);
    }

    @Test
    void shouldCountAHeldLabelInTheGaugeUntilItIsWrittenAcrossARestart() {
        List<String> customer = List.of("cust-1");
        long before = Meters.LABELS_HELD.value(customer);
        double finals = Meters.LABELS_WRITTEN.count("cust-1", "FINAL");
        start(T0.plusMillis(100));
        change(ChangeOp.CREATE, T0, null, T0.plusMillis(100));
        assertThat(Meters.LABELS_HELD.value(customer)).as("open: nothing to write").isEqualTo(before);
        Instant end = T0.plusSeconds(1);
        change(ChangeOp.UPDATE, end, end, end.plusMillis(100));
        punctuate(end.plusMillis(200));
        assertThat(Meters.LABEL_CHANGES_BUFFERED.value(List.of())).as("waiting for the events source").isPositive();
        punctuate(end.plusMillis(2500));
        assertThat(context.forwarded()).isEmpty();
        assertThat(Meters.LABELS_HELD.value(customer)).as("ended: held for its settle window").isEqualTo(before + 1);

        processor.close();
        assertThat(Meters.LABELS_HELD.value(customer)).as("a closed task withdraws its share").isEqualTo(before);
        processor = null;
        start(end.plusSeconds(4));
        assertThat(Meters.LABELS_HELD.value(customer)).as("restored from the task's count store").isEqualTo(before + 1);

        for (int i = 1; i <= 40; i++) {
            punctuate(end.plusSeconds(4).plusMillis(100L * i));
        }
        assertThat(labels()).extracting(ConversationLabel::getKind).containsExactly(LabelKind.FINAL);
        assertThat(Meters.LABELS_HELD.value(customer)).as("written: no longer held").isEqualTo(before);
        assertThat(Meters.LABELS_WRITTEN.count("cust-1", "FINAL")).isEqualTo(finals + 1);
    }

    @Test
    void shouldWriteWhatFellDueDuringTheDowntimeAfterARestartLongAfterTheSettleWindow() {
        start(T0.plusMillis(100));
        change(ChangeOp.CREATE, T0, null, T0.plusMillis(100));
        Instant end = T0.plusSeconds(1);
        change(ChangeOp.UPDATE, end, end, end.plusMillis(100));
        punctuate(end.plusMillis(200));

        // down for ten minutes, then restarted: the deadline passed during the downtime
        start(end.plusSeconds(600));
        punctuate(end.plusSeconds(601));
        assertThat(context.forwarded()).isEmpty();
        punctuate(end.plusSeconds(602).plusMillis(100));

        assertThat(labels()).extracting(ConversationLabel::getKind).containsExactly(LabelKind.FINAL);
    }

    @Test
    void shouldStayOnStreamTimeAfterARestartWhenTheTaskWasReplaying() {
        Instant replayWallClock = T0.plusSeconds(86_400);
        start(replayWallClock);
        change(ChangeOp.CREATE, T0, null, replayWallClock);
        Instant end = T0.plusSeconds(1);
        change(ChangeOp.UPDATE, end, end, replayWallClock);
        punctuate(replayWallClock.plusSeconds(1));

        start(replayWallClock.plusSeconds(10));
        for (int i = 1; i <= 30; i++) {
            punctuate(replayWallClock.plusSeconds(10 + i));
        }

        assertThat(context.forwarded()).as("a replay is driven by its records, not by the wall clock").isEmpty();
    }

    /** A first start, or a restart over the stores of the previous instance. */
    private void start(Instant wallClock) {
        if (processor != null) {
            processor.close();
        }
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "restart-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        context = new MockProcessorContext<>(props, new TaskId(0, 0), stateDir.toFile());
        context.setCurrentSystemTimeMs(wallClock.toEpochMilli());
        context.setCurrentStreamTimeMs(streamTime);
        if (stores.isEmpty()) {
            for (StoreBuilder<?> builder : ConversationLabelProcessor.storeBuilders()) {
                StateStore store = builder.withCachingDisabled().withLoggingDisabled().build();
                store.init(context.getStateStoreContext(), store);
                stores.add(store);
            }
        }
        stores.forEach(context::addStateStore);
        processor = new ConversationLabelProcessor(SETTINGS);
        processor.init(context);
    }

    private void change(ChangeOp op, Instant commit, Instant endedAt, Instant processedAt) {
        context.setCurrentSystemTimeMs(processedAt.toEpochMilli());
        streamTime = Math.max(streamTime, commit.toEpochMilli());
        context.setCurrentStreamTimeMs(streamTime);
        ChatImage image = new ChatImage("agent-a", "uc-1", T0.toEpochMilli() * 1000, endedAt == null ? null
                : endedAt.toEpochMilli() * 1000);
        LabelChange change = LabelChange.newBuilder().setEntity(ChangeEntity.CHAT).setOp(op).setVersion(++version)
                .setSourceTsMs(commit.toEpochMilli()).setChat(image).setUpstreamSource(0).build();
        processor.process(new Record<>(new ConversationLabelKey("cust-1", "prof-1", "conv-1"), change, commit.toEpochMilli()));
    }

    private void punctuate(Instant wallClock) {
        context.setCurrentSystemTimeMs(wallClock.toEpochMilli());
        for (CapturedPunctuator punctuator : context.scheduledPunctuators()) {
            if (punctuator.getType() == PunctuationType.WALL_CLOCK_TIME) {
                punctuator.getPunctuator().punctuate(wallClock.toEpochMilli());
            }
        }
    }

    private List<ConversationLabel> labels() {
        return context.forwarded().stream().map(f -> (ConversationLabel) f.record().value()).toList();
    }
}
