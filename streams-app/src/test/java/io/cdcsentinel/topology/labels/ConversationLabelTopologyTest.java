package io.cdcsentinel.topology.labels;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcsentinel.avro.BotOutcome;
import io.cdcsentinel.avro.ConversationLabel;
import io.cdcsentinel.avro.ConversationLabelKey;
import io.cdcsentinel.avro.LabelKind;
import io.cdcsentinel.avro.internal.labels.ChangeEntity;
import io.cdcsentinel.avro.internal.labels.ChangeOp;
import io.cdcsentinel.avro.internal.labels.ChatImage;
import io.cdcsentinel.avro.internal.labels.LabelChange;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.LabelSettings;
import io.cdcsentinel.config.StreamsSettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.topology.PlainAvroSerde;
import io.cdcsentinel.topology.InputEnd;
import io.cdcsentinel.topology.StreamsProperties;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.IntStream;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The label topology through {@link TopologyTestDriver}, with the production Streams configuration
 * ({@link StreamsProperties}: exactly_once_v2, KIP-1034 handlers, dead-letter topic) and envelopes written as the
 * Debezium PostgreSQL connector writes them ({@link Cdc}).
 *
 * <p>Time only advances with records, so tests move it with {@link #tick}: an unrelated conversation
 * opened at the given commit time, with one event (the label clock follows the slower CDC topic), which never
 * writes a label itself.
 */
class ConversationLabelTopologyTest {
    private static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
    /** Far ahead of every commit time: the task never counts as live, so only stream time fires timers. */
    private static final Instant REPLAY_WALL_CLOCK = Instant.parse("2030-01-01T00:00:00Z");
    private static final Duration SETTLE = Duration.ofSeconds(30);
    private static final TopicNames TOPICS = TopicNames.defaults();

    @TempDir
    Path tempDir;

    private final Cdc cdc = new Cdc();
    /** Every input record in order: (topic, key, value), for replays. */
    private final List<Map.Entry<String, KeyValue<byte[], byte[]>>> inputLog = new ArrayList<>();
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> chatsIn;
    private TestInputTopic<byte[], byte[]> eventsIn;
    private TestOutputTopic<ConversationLabelKey, ConversationLabel> labelsOut;
    private TestOutputTopic<byte[], byte[]> dlqOut;
    private LabelSettings settings;
    private Instant wallClock;
    private int runs;
    private int ticks;

    @AfterEach
    void close() {
        if (driver != null) {
            // A bug in a processor would be "handled" like bad input: make it fail the test instead.
            assertThat(dlqOut.readRecordsToList()).as("unexpected dead letters").isEmpty();
            driver.close();
        }
    }

    @Test
    void shouldRepartitionBothSourcesOnceByConversation() {
        TopologyDescription description = ConversationLabelTopology.build(LabelTopics.withPlainAvro(TOPICS),
                LabelSettings.defaults()).describe();

        assertThat(description.subtopologies()).hasSize(2);
        String text = description.toString();
        assertThat(text).contains("topics: [" + TOPICS.chats() + "]", "topics: [" + TOPICS.chatEvents() + "]",
                ConversationLabelTopology.REPARTITION_NAME + "-repartition", "topic: " + TOPICS.labels(),
                ChatEventRouterProcessor.ROUTES_STORE, ConversationLabelProcessor.CONVERSATIONS_STORE,
                ConversationLabelProcessor.EVENTS_STORE, ConversationLabelProcessor.DEADLINES_STORE);
        assertThat(ConversationLabelTopology.applicationId("cdc-sentinel")).isEqualTo("cdc-sentinel-labels");
    }

    // ---------------------------------------------------------------- FINAL and the settle window

    @Test
    void shouldEmitOneFinalLabelOnlyAfterEndedAtPlusTheSettleWindow() {
        start(settings(SETTLE), REPLAY_WALL_CLOCK);
        Chat chat = chat("conv-1").agent("agent-a").usecase("uc-1");
        insert(chat, T0);
        event(chat, "e1", "ASSIST_SHOWN", T0.plusSeconds(5));
        event(chat, "e2", "ASSIST_SHOWN", T0.plusSeconds(6));
        event(chat, "e3", "ASSIST_USED", T0.plusSeconds(7));
        tick(T0.plusSeconds(120));
        assertThat(labelsOut.isEmpty()).as("nothing while ended_at is NULL").isTrue();

        Instant end = T0.plusSeconds(200);
        byte[] ending = update(chat, chat.ended(end), end);
        tick(end.plus(SETTLE).minusMillis(1));
        assertThat(labelsOut.isEmpty()).as("nothing before the settle window has passed").isTrue();

        tick(end.plus(SETTLE));
        List<ConversationLabel> labels = labelsOut.readValuesToList();
        assertThat(labels).hasSize(1);
        ConversationLabel label = labels.get(0);
        assertThat(label.getKind()).isEqualTo(LabelKind.FINAL);
        assertThat(label.getCustomerId()).isEqualTo("cust-1");
        assertThat(label.getProfileId()).isEqualTo("prof-1");
        assertThat(label.getConversationId()).isEqualTo("conv-1");
        assertThat(label.getAgentUserId()).isEqualTo("agent-a");
        assertThat(label.getUsecaseId()).isEqualTo("uc-1");
        assertThat(label.getStartedAt()).isEqualTo(T0);
        assertThat(label.getEndedAt()).isEqualTo(end);
        assertThat(label.getAssistShownCount()).isEqualTo(2);
        assertThat(label.getAssistUsedCount()).isEqualTo(1);
        assertThat(label.getAgentAssisted()).isTrue();
        assertThat(label.getBotOutcome()).isEqualTo(BotOutcome.NONE);
        assertThat(label.getVersion()).as("the position of the change that ended it").isEqualTo(Cdc.version(ending));
        assertThat(label.getSourceTsMs()).isEqualTo(end.toEpochMilli());

        tick(end.plus(Duration.ofHours(1)));
        assertThat(labelsOut.isEmpty()).as("one FINAL, nothing after").isTrue();
    }

    @Test
    void shouldEmitFinalAtOnceWithAZeroSettleWindow() {
        start(settings(Duration.ZERO), REPLAY_WALL_CLOCK);
        Chat chat = chat("conv-1");
        insert(chat, T0);
        event(chat, "e1", "ASSIST_USED", T0.plusSeconds(1));
        assertThat(labelsOut.isEmpty()).isTrue();

        update(chat, chat.ended(T0.plusSeconds(60)), T0.plusSeconds(60));
        assertThat(labelsOut.isEmpty()).as("chat_events may still hold a change committed before the end").isTrue();
        tick(T0.plusSeconds(60));

        List<ConversationLabel> labels = labelsOut.readValuesToList();
        assertThat(labels).extracting(ConversationLabel::getKind).containsExactly(LabelKind.FINAL);
        assertThat(labels.get(0).getAssistUsedCount()).isEqualTo(1);
        tick(T0.plusSeconds(3600));
        assertThat(labelsOut.isEmpty()).isTrue();
    }

    @Test
    void shouldFoldChangesWithinTheSettleWindowIntoTheFinal() {
        start(settings(SETTLE), REPLAY_WALL_CLOCK);
        Chat chat = chat("conv-1").agent("agent-a");
        insert(chat, T0);
        Instant end = T0.plusSeconds(100);
        Chat ended = chat.ended(end);
        update(chat, ended, end);
        event(chat, "e1", "BOT_RESOLVED", end.plusSeconds(2));
        byte[] last = update(ended, ended.agent("agent-b"), end.plusSeconds(3));

        tick(end.plus(SETTLE));

        List<ConversationLabel> labels = labelsOut.readValuesToList();
        assertThat(labels).hasSize(1);
        assertThat(labels.get(0).getKind()).isEqualTo(LabelKind.FINAL);
        assertThat(labels.get(0).getAgentUserId()).isEqualTo("agent-b");
        assertThat(labels.get(0).getBotOutcome()).isEqualTo(BotOutcome.RESOLVED);
        assertThat(labels.get(0).getVersion()).isEqualTo(Cdc.version(last));
    }

    @Test
    void shouldCloseTheFinalBeforeTheFirstChangeCommittedAfterTheDeadline() {
        start(settings(SETTLE), REPLAY_WALL_CLOCK);
        Chat chat = chat("conv-1");
        Instant end = T0.plusSeconds(60);
        insert(chat.ended(end), end);
        event(chat, "e1", "ASSIST_SHOWN", end.plus(SETTLE).minusMillis(1));
        assertThat(labelsOut.isEmpty()).isTrue();

        byte[] after = event(chat, "e2", "ASSIST_USED", end.plus(SETTLE).plusMillis(1));
        tick(end.plus(SETTLE).plusMillis(1));

        List<ConversationLabel> labels = labelsOut.readValuesToList();
        assertThat(labels).extracting(ConversationLabel::getKind).containsExactly(LabelKind.FINAL);
        assertThat(labels.get(0).getAssistShownCount()).as("committed before the deadline").isEqualTo(1);
        assertThat(labels.get(0).getAssistUsedCount()).as("committed after it: not in the FINAL").isZero();
        tick(end.plus(SETTLE).plusMillis(1).plus(SETTLE));
        ConversationLabel correction = single(labelsOut.readValuesToList());
        assertThat(correction.getKind()).isEqualTo(LabelKind.CORRECTION);
        assertThat(correction.getAssistUsedCount()).isEqualTo(1);
        assertThat(correction.getVersion()).isEqualTo(Cdc.version(after));
    }

    @Test
    void shouldFireTheSettleTimerOnTheWallClockWhenALivePipelineGoesQuiet() {
        Instant end = T0.plusSeconds(60);
        // Live: the wall clock is just after the commit times (100 ms of CDC lag).
        start(settings(SETTLE), end.plusMillis(100));
        Chat chat = chat("conv-1");
        insert(chat, T0);
        update(chat, chat.ended(end), end);

        driver.advanceWallClockTime(Duration.ofSeconds(10));
        assertThat(labelsOut.isEmpty()).as("idle, but the settle window has not passed").isTrue();

        driver.advanceWallClockTime(Duration.ofSeconds(19));
        assertThat(labelsOut.isEmpty()).isTrue();
        driver.advanceWallClockTime(Duration.ofSeconds(1));
        assertThat(labelsOut.readValuesToList()).extracting(ConversationLabel::getKind).containsExactly(LabelKind.FINAL);
    }

    @Test
    void shouldNotLetTheWallClockFireTimersDuringAReplay() {
        start(settings(SETTLE), REPLAY_WALL_CLOCK);
        Chat chat = chat("conv-1");
        insert(chat, T0);
        update(chat, chat.ended(T0.plusSeconds(60)), T0.plusSeconds(60));

        driver.advanceWallClockTime(Duration.ofHours(2));

        assertThat(labelsOut.isEmpty()).as("commit times years behind the wall clock: a backlog, stream time rules").isTrue();
    }

    @Test
    void shouldWriteTheLastLabelsOfABoundedReplayAtTheFirstPunctuationAfterItsInputEnds() {
        // a backfill: commit times years behind the wall clock, and nothing after the last change to move stream time
        InputEnd inputEnd = new InputEnd(SETTLE);
        start(settings(SETTLE), REPLAY_WALL_CLOCK, null, Map.of(InputEnd.CONFIG, inputEnd));
        Chat chat = chat("conv-1");
        insert(chat, T0);
        update(chat, chat.ended(T0.plusSeconds(60)), T0.plusSeconds(60));
        driver.advanceWallClockTime(Duration.ofHours(2));
        assertThat(labelsOut.isEmpty()).as("before the end: stream time rules").isTrue();
        assertThat(inputEnd.settledSince(0)).as("not signalled").isFalse();

        inputEnd.signal();
        long signalled = System.currentTimeMillis();
        driver.advanceWallClockTime(settings.punctuationInterval());

        assertThat(labelsOut.readValuesToList()).extracting(ConversationLabel::getKind).containsExactly(LabelKind.FINAL);
        assertThat(inputEnd.settledSince(signalled)).as("the punctuation fired every timer due").isTrue();
    }

    // ---------------------------------------------------------------- the domain's stale-label story

    @Test
    void shouldLabelSeventeenChatsReassignedBeforeTheirEndWithTheNewAgent() {
        // Production: 17 chats labelled at 02:00 while open, reassigned at 03:01; the old job kept agent A.
        start(settings(SETTLE), REPLAY_WALL_CLOCK);
        Instant created = Instant.parse("2026-11-24T01:55:00Z");
        Instant reassigned = Instant.parse("2026-11-24T03:01:00Z");
        Instant ended = Instant.parse("2026-11-24T03:20:00Z");
        List<Chat> chats = seventeenChats("agent-a");
        chats.forEach(c -> insert(c, created));
        tick(Instant.parse("2026-11-24T02:00:00Z"));
        chats.forEach(c -> update(c, c.agent("agent-b"), reassigned));
        tick(reassigned.plusSeconds(600));
        assertThat(labelsOut.isEmpty()).as("nothing is labelled while open").isTrue();

        chats.forEach(c -> update(c.agent("agent-b"), c.agent("agent-b").ended(ended), ended));
        tick(ended.plus(SETTLE));

        List<ConversationLabel> labels = labelsOut.readValuesToList();
        assertThat(labels).hasSize(17);
        assertThat(labels).allSatisfy(l -> {
            assertThat(l.getKind()).isEqualTo(LabelKind.FINAL);
            assertThat(l.getAgentUserId()).isEqualTo("agent-b");
        });
    }

    @Test
    void shouldWriteOneCorrectionPerChatReassignedAfterItsEnd() {
        start(settings(SETTLE), REPLAY_WALL_CLOCK);
        Instant ended = Instant.parse("2026-11-24T02:00:00Z");
        Instant reassigned = Instant.parse("2026-11-24T03:01:00Z");
        List<Chat> chats = seventeenChats("agent-a");
        chats.forEach(c -> insert(c.ended(ended), ended));
        tick(ended.plus(SETTLE));
        List<ConversationLabel> finals = labelsOut.readValuesToList();
        assertThat(finals).hasSize(17).allSatisfy(l -> {
            assertThat(l.getKind()).isEqualTo(LabelKind.FINAL);
            assertThat(l.getAgentUserId()).isEqualTo("agent-a");
        });

        chats.forEach(c -> update(c.ended(ended), c.ended(ended).agent("agent-b"), reassigned));
        tick(reassigned.plus(SETTLE).plusSeconds(3600));

        List<ConversationLabel> corrections = labelsOut.readValuesToList();
        assertThat(corrections).hasSize(17).allSatisfy(l -> {
            assertThat(l.getKind()).isEqualTo(LabelKind.CORRECTION);
            assertThat(l.getAgentUserId()).isEqualTo("agent-b");
            assertThat(l.getEndedAt()).isEqualTo(ended);
        });
        Map<String, Long> finalVersions = new HashMap<>();
        finals.forEach(l -> finalVersions.put(l.getConversationId(), l.getVersion()));
        assertThat(corrections).allSatisfy(l -> assertThat(l.getVersion()).isGreaterThan(finalVersions.get(l.getConversationId())));
    }

    // ---------------------------------------------------------------- reopen

    @Test
    void shouldWriteExactlyOneCorrectionWhenReopenedAndEndedAgain() {
        start(settings(SETTLE), REPLAY_WALL_CLOCK);
        Chat open = chat("conv-1");
        insert(open, T0);
        Instant firstEnd = T0.plusSeconds(60);
        update(open, open.ended(firstEnd), firstEnd);
        tick(firstEnd.plus(SETTLE));
        ConversationLabel fin = single(labelsOut.readValuesToList());
        assertThat(fin.getKind()).isEqualTo(LabelKind.FINAL);

        Instant reopened = T0.plusSeconds(300);
        update(open.ended(firstEnd), open, reopened);
        event(open, "e1", "ASSIST_USED", reopened.plusSeconds(10));
        Instant secondEnd = T0.plusSeconds(400);
        update(open, open.ended(secondEnd), secondEnd);
        tick(secondEnd.plus(SETTLE).minusMillis(1));
        assertThat(labelsOut.isEmpty()).as("the correction waits for the new end + settle window").isTrue();

        tick(secondEnd.plus(SETTLE).plusSeconds(3600));
        ConversationLabel correction = single(labelsOut.readValuesToList());
        assertThat(correction.getKind()).isEqualTo(LabelKind.CORRECTION);
        assertThat(correction.getEndedAt()).isEqualTo(secondEnd);
        assertThat(correction.getAgentAssisted()).isTrue();
        assertThat(correction.getVersion()).isGreaterThan(fin.getVersion());
    }

    @Test
    void shouldWriteNothingWhenReopenedAlone() {
        start(settings(SETTLE), REPLAY_WALL_CLOCK);
        Chat open = chat("conv-1");
        Instant end = T0.plusSeconds(60);
        insert(open.ended(end), end);
        tick(end.plus(SETTLE));
        assertThat(labelsOut.readValuesToList()).hasSize(1);

        update(open.ended(end), open, T0.plusSeconds(120));
        event(open, "e1", "BOT_HANDOFF", T0.plusSeconds(130));
        tick(T0.plus(Duration.ofDays(1)));

        assertThat(labelsOut.readValuesToList()).isEmpty();
    }

    @Test
    void shouldDropAPendingCorrectionWhenTheConversationIsReopened() {
        start(settings(SETTLE), REPLAY_WALL_CLOCK);
        Chat open = chat("conv-1");
        Instant end = T0.plusSeconds(60);
        insert(open.ended(end), end);
        tick(end.plus(SETTLE));
        assertThat(labelsOut.readValuesToList()).hasSize(1);

        Chat reassigned = open.ended(end).agent("agent-b");
        update(open.ended(end), reassigned, T0.plusSeconds(200));
        update(reassigned, open.agent("agent-b"), T0.plusSeconds(205));
        tick(T0.plusSeconds(200).plus(SETTLE).plusSeconds(600));

        assertThat(labelsOut.isEmpty()).as("reopened within the settle window: the correction waits for the next end").isTrue();
    }

    // ---------------------------------------------------------------- events

    @Test
    void shouldCorrectTheLabelWhenAnAssistEventArrivesAfterTheFinal() {
        start(settings(SETTLE), REPLAY_WALL_CLOCK);
        Chat chat = chat("conv-1");
        Instant end = T0.plusSeconds(60);
        insert(chat, T0);
        event(chat, "e1", "ASSIST_SHOWN", T0.plusSeconds(10));
        update(chat, chat.ended(end), end);
        tick(end.plus(SETTLE));
        ConversationLabel fin = single(labelsOut.readValuesToList());
        assertThat(fin.getAgentAssisted()).isFalse();

        byte[] late = event(chat, "e2", "ASSIST_USED", end.plusSeconds(90));
        tick(end.plusSeconds(90).plus(SETTLE));

        ConversationLabel correction = single(labelsOut.readValuesToList());
        assertThat(correction.getKind()).isEqualTo(LabelKind.CORRECTION);
        assertThat(correction.getAssistShownCount()).isEqualTo(1);
        assertThat(correction.getAssistUsedCount()).isEqualTo(1);
        assertThat(correction.getAgentAssisted()).isTrue();
        assertThat(correction.getVersion()).isEqualTo(Cdc.version(late));
    }

    @Test
    void shouldLetHandoffWinOverResolved() {
        start(settings(Duration.ZERO), REPLAY_WALL_CLOCK);
        Chat both = chat("both");
        Chat resolved = chat("resolved");
        Chat none = chat("none");
        for (Chat c : List.of(both, resolved, none)) {
            insert(c, T0);
        }
        event(both, "b1", "BOT_RESOLVED", T0.plusSeconds(1));
        event(both, "b2", "BOT_HANDOFF", T0.plusSeconds(2));
        event(both, "b3", "BOT_RESOLVED", T0.plusSeconds(3));
        event(resolved, "r1", "BOT_RESOLVED", T0.plusSeconds(4));
        for (Chat c : List.of(both, resolved, none)) {
            update(c, c.ended(T0.plusSeconds(10)), T0.plusSeconds(10));
        }
        tick(T0.plusSeconds(10));

        Map<String, BotOutcome> outcomes = new HashMap<>();
        labelsOut.readValuesToList().forEach(l -> outcomes.put(l.getConversationId(), l.getBotOutcome()));
        assertThat(outcomes).containsExactlyInAnyOrderEntriesOf(
                Map.of("both", BotOutcome.HANDOFF, "resolved", BotOutcome.RESOLVED, "none", BotOutcome.NONE));
    }

    @Test
    void shouldCountEventsThatArriveBeforeTheirChatRow() {
        start(settings(SETTLE), REPLAY_WALL_CLOCK);
        Chat chat = chat("conv-1");
        event(chat, "e1", "ASSIST_USED", T0.plusSeconds(1));
        event(chat, "e2", "BOT_HANDOFF", T0.plusSeconds(2));
        insert(chat.ended(T0.plusSeconds(30)), T0.plusSeconds(3));
        tick(T0.plusSeconds(3).plus(SETTLE));

        ConversationLabel label = single(labelsOut.readValuesToList());
        assertThat(label.getAssistUsedCount()).isEqualTo(1);
        assertThat(label.getBotOutcome()).isEqualTo(BotOutcome.HANDOFF);
    }

    @Test
    void shouldRouteAnEventDeleteThatCarriesOnlyItsKey() {
        start(settings(SETTLE), REPLAY_WALL_CLOCK);
        Chat chat = chat("conv-1");
        Instant end = T0.plusSeconds(60);
        insert(chat, T0);
        event(chat, "e1", "ASSIST_USED", T0.plusSeconds(5));
        event(chat, "e2", "ASSIST_USED", T0.plusSeconds(6));
        update(chat, chat.ended(end), end);
        tick(end.plus(SETTLE));
        assertThat(single(labelsOut.readValuesToList()).getAssistUsedCount()).isEqualTo(2);

        // REPLICA IDENTITY DEFAULT: the before image holds the primary key only.
        ObjectNode keyOnly = Cdc.JSON.createObjectNode().put("customer_id", "cust-1").put("profile_id", "prof-1")
                .put("event_id", "e2");
        pipe(TOPICS.chatEvents(), eventKey("e2"), cdc.tx(end.plusSeconds(100)).change("chat_events", "d", keyOnly, null));
        pipe(TOPICS.chatEvents(), eventKey("e2"), null);
        tick(end.plusSeconds(100).plus(SETTLE));

        ConversationLabel correction = single(labelsOut.readValuesToList());
        assertThat(correction.getKind()).isEqualTo(LabelKind.CORRECTION);
        assertThat(correction.getAssistUsedCount()).isEqualTo(1);
        assertThat(dlqOut.isEmpty()).isTrue();
    }

    @Test
    void shouldMoveTheCountWhenAnEventIsReassignedToAnotherConversation() {
        start(settings(Duration.ZERO), REPLAY_WALL_CLOCK);
        Chat a = chat("conv-a");
        Chat b = chat("conv-b");
        insert(a, T0);
        insert(b, T0);
        byte[] created = event(a, "e1", "ASSIST_USED", T0.plusSeconds(1));
        ObjectNode after = eventRow(b, "e1", "ASSIST_USED", T0.plusSeconds(1));
        // The update's before image is absent (REPLICA IDENTITY DEFAULT and no key change): only the index knows conv-a.
        pipe(TOPICS.chatEvents(), eventKey("e1"), cdc.tx(T0.plusSeconds(2)).change("chat_events", "u", null, after));
        pipe(TOPICS.chatEvents(), eventKey("e1"), created); // a re-delivery of the original insert changes nothing
        update(a, a.ended(T0.plusSeconds(10)), T0.plusSeconds(10));
        update(b, b.ended(T0.plusSeconds(10)), T0.plusSeconds(10));
        tick(T0.plusSeconds(10));

        Map<String, Integer> used = new HashMap<>();
        labelsOut.readValuesToList().forEach(l -> used.put(l.getConversationId(), l.getAssistUsedCount()));
        assertThat(used).containsExactlyInAnyOrderEntriesOf(Map.of("conv-a", 0, "conv-b", 1));
    }

    // ---------------------------------------------------------------- delete, no-op, duplicates

    @Test
    void shouldWriteDeleteWhenALabelledChatIsDeleted() {
        start(settings(SETTLE), REPLAY_WALL_CLOCK);
        Chat chat = chat("conv-1").agent("agent-a");
        Instant end = T0.plusSeconds(60);
        insert(chat.ended(end), end);
        tick(end.plus(SETTLE));
        ConversationLabel fin = single(labelsOut.readValuesToList());

        byte[] deletion = delete(chat.ended(end), T0.plusSeconds(500));
        tick(T0.plusSeconds(500).plus(SETTLE));

        ConversationLabel deleted = single(labelsOut.readValuesToList());
        assertThat(deleted.getKind()).isEqualTo(LabelKind.DELETE);
        assertThat(deleted.getVersion()).isEqualTo(Cdc.version(deletion)).isGreaterThan(fin.getVersion());
        assertThat(deleted.getAgentUserId()).as("a delete carries the content it withdraws").isEqualTo("agent-a");
        tick(T0.plus(Duration.ofDays(2)));
        assertThat(labelsOut.isEmpty()).isTrue();
    }

    @Test
    void shouldWriteNothingWhenAChatIsDeletedBeforeItWasLabelled() {
        start(settings(SETTLE), REPLAY_WALL_CLOCK);
        Chat chat = chat("conv-1");
        insert(chat, T0);
        delete(chat, T0.plusSeconds(10));
        tick(T0.plus(Duration.ofDays(1)));

        assertThat(labelsOut.isEmpty()).isTrue();
    }

    @Test
    void shouldWriteNothingForAnUpdateThatChangesNoLabelField() {
        start(settings(SETTLE), REPLAY_WALL_CLOCK);
        Instant end = T0.plusSeconds(60);
        Chat ended = chat("conv-1").ended(end);
        insert(ended, end);
        tick(end.plus(SETTLE));
        assertThat(labelsOut.readValuesToList()).hasSize(1);

        update(ended, ended.touched(T0.plusSeconds(300)), T0.plusSeconds(300));
        tick(T0.plusSeconds(300).plus(SETTLE).plusSeconds(60));

        assertThat(labelsOut.isEmpty()).isTrue();
    }

    @Test
    void shouldWriteNothingWhenAChangeIsUndoneWithinTheSettleWindow() {
        start(settings(SETTLE), REPLAY_WALL_CLOCK);
        Instant end = T0.plusSeconds(60);
        Chat ended = chat("conv-1").ended(end);
        insert(ended, end);
        tick(end.plus(SETTLE));
        assertThat(labelsOut.readValuesToList()).hasSize(1);

        update(ended, ended.usecase("uc-2"), T0.plusSeconds(300));
        update(ended.usecase("uc-2"), ended, T0.plusSeconds(305));
        tick(T0.plusSeconds(400));

        assertThat(labelsOut.isEmpty()).isTrue();
    }

    @Test
    void shouldWriteNothingNewWhenChangesAreDeliveredTwice() {
        start(settings(SETTLE), REPLAY_WALL_CLOCK);
        Chat chat = chat("conv-1");
        Instant end = T0.plusSeconds(60);
        byte[] insert = insert(chat, T0);
        byte[] shown = event(chat, "e1", "ASSIST_SHOWN", T0.plusSeconds(5));
        byte[] ending = update(chat, chat.ended(end), end);
        // Connector crash before its offsets were flushed: the same changes again, before the FINAL...
        pipe(TOPICS.chats(), chatKey(chat), insert);
        pipe(TOPICS.chatEvents(), eventKey("e1"), shown);
        pipe(TOPICS.chats(), chatKey(chat), ending);
        tick(end.plus(SETTLE));
        ConversationLabel fin = single(labelsOut.readValuesToList());
        assertThat(fin.getAssistShownCount()).as("counted once").isEqualTo(1);

        // ... and after it,
        pipe(TOPICS.chats(), chatKey(chat), insert);
        pipe(TOPICS.chatEvents(), eventKey("e1"), shown);
        pipe(TOPICS.chats(), chatKey(chat), ending);
        tick(end.plus(Duration.ofHours(1)));
        assertThat(labelsOut.isEmpty()).isTrue();

        // ... also when only an old prefix comes again: the insert (still open then) must not reopen the conversation.
        pipe(TOPICS.chats(), chatKey(chat), insert);
        tick(end.plus(Duration.ofHours(2)));
        assertThat(labelsOut.isEmpty()).isTrue();
        event(chat, "e2", "ASSIST_USED", end.plus(Duration.ofHours(3)));
        tick(end.plus(Duration.ofHours(3)).plus(SETTLE));
        ConversationLabel correction = single(labelsOut.readValuesToList());
        assertThat(correction.getEndedAt()).isEqualTo(end);
        assertThat(correction.getAssistShownCount()).isEqualTo(1);
        assertThat(correction.getAssistUsedCount()).isEqualTo(1);
    }

    // ---------------------------------------------------------------- versions

    @Test
    void shouldWriteStrictlyIncreasingVersionsThatAreIdenticalOnReplay() {
        start(settings(SETTLE), REPLAY_WALL_CLOCK);
        Chat chat = chat("conv-1").agent("agent-a");
        insert(chat, T0);
        event(chat, "e1", "ASSIST_SHOWN", T0.plusSeconds(1));
        Instant end = T0.plusSeconds(60);
        Chat ended = chat.ended(end);
        update(chat, ended, end);
        tick(end.plus(SETTLE));
        update(ended, ended.agent("agent-b"), T0.plusSeconds(200));
        tick(T0.plusSeconds(200).plus(SETTLE));
        event(chat, "e2", "ASSIST_USED", T0.plusSeconds(300));
        tick(T0.plusSeconds(300).plus(SETTLE));
        Chat reopened = chat.agent("agent-b");
        update(ended.agent("agent-b"), reopened, T0.plusSeconds(400));
        Chat reEnded = reopened.ended(T0.plusSeconds(500));
        update(reopened, reEnded, T0.plusSeconds(500));
        tick(T0.plusSeconds(500).plus(SETTLE));
        delete(reEnded, T0.plusSeconds(600));
        tick(T0.plusSeconds(600).plus(SETTLE));

        List<ConversationLabel> first = labelsOut.readValuesToList();
        assertThat(first).extracting(ConversationLabel::getKind).containsExactly(LabelKind.FINAL, LabelKind.CORRECTION,
                LabelKind.CORRECTION, LabelKind.CORRECTION, LabelKind.DELETE);
        assertThat(first).extracting(ConversationLabel::getVersion).isSorted().doesNotHaveDuplicates();

        List<ConversationLabel> replay = replayIntoAFreshDriver();

        assertThat(replay).isEqualTo(first);
    }

    @Test
    void shouldStayAboveTheLastVersionWhenAnEarlierCommittedEventIsProcessedLate() {
        start(settings(Duration.ZERO), REPLAY_WALL_CLOCK);
        Chat chat = chat("conv-1");
        insert(chat, T0);
        // The event commits first, but reaches the topology after the chats update that ends the conversation, and
        // after both CDC topics have passed it (its source presumed idle for longer than the maximum skew, say).
        byte[] event = cdc.tx(T0.plusSeconds(9)).change("chat_events", "c", null, eventRow(chat, "e1", "ASSIST_USED", T0));
        byte[] ending = update(chat, chat.ended(T0.plusSeconds(10)), T0.plusSeconds(10));
        tick(T0.plusSeconds(10));
        ConversationLabel fin = single(labelsOut.readValuesToList());
        assertThat(fin.getVersion()).isEqualTo(Cdc.version(ending)).isGreaterThan(Cdc.version(event));

        pipe(TOPICS.chatEvents(), eventKey("e1"), event);

        ConversationLabel correction = single(labelsOut.readValuesToList());
        assertThat(correction.getKind()).isEqualTo(LabelKind.CORRECTION);
        assertThat(correction.getAssistUsedCount()).isEqualTo(1);
        assertThat(correction.getVersion()).isEqualTo(fin.getVersion() + 1);
    }

    // ---------------------------------------------------------------- several upstream tasks (CDC partitions)

    @Test
    void shouldWaitForTheSlowestUpstreamSourceBeforeWritingTheFinal() {
        start(settings(SETTLE), REPLAY_WALL_CLOCK);
        Instant end = T0.plusSeconds(60);
        Upstream chats = new Upstream(0, ChangeEntity.CHAT);
        Upstream events = new Upstream(0, ChangeEntity.EVENT);
        events.send(clockEvent(end.minusSeconds(10)));
        chats.send(endedChat("conv-1", end));
        // The chats partition (whose fetches happened to bring more) is already past the deadline ...
        chats.send(clockChat("chats-ahead", end.plus(SETTLE).plusSeconds(10)));
        assertThat(labelsOut.isEmpty()).as("the events have not got to the deadline yet").isTrue();

        // ... while the events partition still holds an event committed before it.
        events.send(eventChange("conv-1", "e1", "ASSIST_USED", end.plusSeconds(5)));
        events.send(clockEvent(end.plus(SETTLE).plusSeconds(1)));

        ConversationLabel fin = single(labelsOut.readValuesToList());
        assertThat(fin.getKind()).isEqualTo(LabelKind.FINAL);
        assertThat(fin.getAssistUsedCount()).as("committed before the deadline, delivered after the chats passed it")
                .isEqualTo(1);
        events.send(clockEvent(end.plus(Duration.ofHours(1))));
        chats.send(clockChat("chats-later", end.plus(Duration.ofHours(1))));
        assertThat(labelsOut.isEmpty()).as("no CORRECTION: the FINAL had everything committed before it").isTrue();
    }

    @Test
    void shouldWaitForAPartitionThatHasNotSentAnythingYetUpToTheMaximumSkew() {
        start(settings(SETTLE).withClockMaxSkew(Duration.ofMinutes(5)), REPLAY_WALL_CLOCK);
        Instant end = T0.plusSeconds(60);
        Upstream chats1 = new Upstream(1, ChangeEntity.CHAT);
        Upstream events1 = new Upstream(1, ChangeEntity.EVENT);
        // Partition 1 speaks first: partition 0 (both topics) is expected too.
        chats1.send(endedChat("conv-1", end));
        events1.send(clockEvent(end.plusSeconds(1)));
        chats1.send(clockChat("ahead", end.plus(SETTLE).plusSeconds(10)));
        events1.send(clockEvent(end.plus(SETTLE).plusSeconds(10)));
        assertThat(labelsOut.isEmpty()).as("partition 0 may still hold a change committed before the deadline").isTrue();

        chats1.send(clockChat("much-later", end.plus(SETTLE).plus(Duration.ofMinutes(5))));
        assertThat(labelsOut.readValuesToList()).as("a source silent for longer than the maximum skew is presumed idle")
                .extracting(ConversationLabel::getKind).containsExactly(LabelKind.FINAL);
    }

    @Test
    void shouldWriteTheSameLabelsWhateverTheInterleavingOfTheUpstreamTasks() {
        Instant end = T0.plusSeconds(60);
        // The chats and the chat_events partition, each in commit order, as an upstream task may interleave them.
        List<LabelChange> chats = List.of(endedChat("conv-1", end), endedChat("conv-2", end.plusSeconds(20)),
                clockChat("c-a", end.plusSeconds(40)), reassigned("conv-1", end, "agent-b", end.plusSeconds(45)),
                clockChat("c-b", end.plusSeconds(200)));
        List<LabelChange> events = List.of(eventChange("conv-1", "e1", "ASSIST_SHOWN", end.minusSeconds(5)),
                eventChange("conv-2", "e2", "BOT_RESOLVED", end.plusSeconds(25)),
                eventChange("conv-1", "e3", "ASSIST_USED", end.plusSeconds(29)),
                eventChange("conv-1", "e4", "BOT_HANDOFF", end.plusSeconds(31)),
                eventChange("conv-2", "e5", "BOT_HANDOFF", end.plusSeconds(60)),
                clockEvent(end.plusSeconds(200)));

        List<String> chatsFirst = runInterleaved(chats, events, true);
        List<String> eventsFirst = runInterleaved(chats, events, false);

        assertThat(chatsFirst).isEqualTo(eventsFirst);
        assertThat(chatsFirst).containsExactly(
                "conv-1 FINAL shown=1 used=1 NONE agent-a", // e4 was committed after the deadline (end + 30 s)
                "conv-1 CORRECTION shown=1 used=1 HANDOFF agent-b", // e4 and the reassignment, one settle window later
                "conv-2 FINAL shown=0 used=0 RESOLVED agent-a",
                "conv-2 CORRECTION shown=0 used=0 HANDOFF agent-a");
    }

    /** Sends all of one source's changes, then all of the other's: the two extremes of what a run can do. */
    private List<String> runInterleaved(List<LabelChange> first, List<LabelChange> second, boolean firstGoesFirst) {
        start(settings(SETTLE), REPLAY_WALL_CLOCK);
        Upstream a = new Upstream(0, ChangeEntity.CHAT);
        Upstream b = new Upstream(0, ChangeEntity.EVENT);
        List<Runnable> sends = new ArrayList<>();
        first.forEach(c -> sends.add(() -> a.send(c)));
        List<Runnable> other = new ArrayList<>();
        second.forEach(c -> other.add(() -> b.send(c)));
        (firstGoesFirst ? sends : other).forEach(Runnable::run);
        (firstGoesFirst ? other : sends).forEach(Runnable::run);
        return labelsOut.readValuesToList().stream()
                .sorted(java.util.Comparator.comparing(ConversationLabel::getConversationId)
                        .thenComparing(ConversationLabel::getVersion))
                .map(l -> l.getConversationId() + " " + l.getKind() + " shown=" + l.getAssistShownCount() + " used="
                        + l.getAssistUsedCount() + " " + l.getBotOutcome() + " " + l.getAgentUserId())
                .toList();
    }

    /** One CDC topic partition: its changes written to the repartition topic, as the first processors do. */
    private final class Upstream {
        private final int source;
        private final TestInputTopic<ConversationLabelKey, LabelChange> repartition;

        Upstream(int partition, ChangeEntity topic) {
            this.source = LabelChanges.SOURCES_PER_PARTITION * partition + topic.ordinal();
            this.repartition = driver.createInputTopic("label-test-labels-" + ConversationLabelTopology.REPARTITION_NAME
                    + "-repartition", new PlainAvroSerde<>(ConversationLabelKey.class).serializer(),
                    new PlainAvroSerde<>(LabelChange.class).serializer());
        }

        void send(LabelChange change) {
            change.setUpstreamSource(source);
            repartition.pipeInput(new ConversationLabelKey("cust-1", "prof-1", conversations.get(change)), change,
                    Instant.ofEpochMilli(change.getSourceTsMs()));
        }
    }

    /** The conversation of each change built below (the repartition key). */
    private final Map<LabelChange, String> conversations = new java.util.IdentityHashMap<>();
    private int order;

    private LabelChange change(String conversation, ChangeEntity entity, ChangeOp op, Instant at) {
        // Streamed changes (order >= 1 in their transaction), versions increasing with commit time.
        LabelChange change = LabelChange.newBuilder().setEntity(entity).setOp(op)
                .setVersion(at.toEpochMilli() << 16 | ++order).setSourceTsMs(at.toEpochMilli()).build();
        conversations.put(change, conversation);
        return change;
    }

    private LabelChange endedChat(String conversation, Instant end) {
        LabelChange change = change(conversation, ChangeEntity.CHAT, ChangeOp.CREATE, end);
        change.setChat(new ChatImage("agent-a", "uc-1", T0.toEpochMilli() * 1000, end.toEpochMilli() * 1000));
        return change;
    }

    private LabelChange reassigned(String conversation, Instant end, String agent, Instant at) {
        LabelChange change = change(conversation, ChangeEntity.CHAT, ChangeOp.UPDATE, at);
        change.setChat(new ChatImage(agent, "uc-1", T0.toEpochMilli() * 1000, end.toEpochMilli() * 1000));
        return change;
    }

    /** An open conversation: moves stream time and the sending task's progress, never writes a label. */
    private LabelChange clockChat(String conversation, Instant at) {
        LabelChange change = change(conversation, ChangeEntity.CHAT, ChangeOp.CREATE, at);
        change.setChat(new ChatImage("agent-a", "uc-1", at.toEpochMilli() * 1000, null));
        return change;
    }

    /** An event of a conversation that never has a chats row: moves the events' progress, never writes a label. */
    private LabelChange clockEvent(Instant at) {
        return eventChange("clock-events", "clock-" + (++ticks), "ASSIST_SHOWN", at);
    }

    private LabelChange eventChange(String conversation, String eventId, String type, Instant at) {
        LabelChange change = change(conversation, ChangeEntity.EVENT, ChangeOp.CREATE, at);
        change.setEventId(eventId);
        change.setEventType(type);
        return change;
    }

    // ---------------------------------------------------------------- bad input, tombstones, snapshots

    @Test
    void shouldSendUnusableChangesToTheDeadLetterTopicAndKeepProcessing() {
        start(settings(Duration.ZERO), REPLAY_WALL_CLOCK);
        ObjectNode noConversationId = chat("x").json();
        noConversationId.remove("conversation_id");
        byte[] missingKey = cdc.tx(T0).change("chats", "c", null, noConversationId);
        byte[] noTransaction = cdc.tx(T0.plusSeconds(1)).withoutTransactionMetadata()
                .change("chats", "c", null, chat("y").ended(T0).json());
        byte[] eventWithoutTransaction = cdc.tx(T0.plusSeconds(2)).withoutTransactionMetadata()
                .change("chat_events", "c", null, eventRow(chat("y"), "e1", "ASSIST_USED", T0));
        ObjectNode unknownEventKeyOnly = Cdc.JSON.createObjectNode().put("customer_id", "cust-1").put("profile_id", "prof-1")
                .put("event_id", "never-seen");
        byte[] unroutableDelete = cdc.tx(T0.plusSeconds(3)).change("chat_events", "d", unknownEventKeyOnly, null);

        pipe(TOPICS.chats(), Cdc.key("k", "1"), missingKey);
        pipe(TOPICS.chats(), Cdc.key("k", "2"), noTransaction);
        pipe(TOPICS.chatEvents(), Cdc.key("k", "3"), eventWithoutTransaction);
        pipe(TOPICS.chatEvents(), Cdc.key("k", "4"), unroutableDelete);
        insert(chat("good").ended(T0.plusSeconds(5)), T0.plusSeconds(5));
        tick(T0.plusSeconds(5));

        List<TestRecord<byte[], byte[]>> dead = dlqOut.readRecordsToList();
        assertThat(dead).extracting(r -> header(r.headers(), "__streams.errors.message")).hasSize(4);
        assertThat(dead).extracting(r -> Cdc.text(r.value())).as("the original bytes").containsExactly(Cdc.text(missingKey),
                Cdc.text(noTransaction), Cdc.text(eventWithoutTransaction), Cdc.text(unroutableDelete));
        assertThat(dead).extracting(r -> Cdc.text(r.key())).containsExactly("{\"k\":\"1\"}", "{\"k\":\"2\"}",
                "{\"k\":\"3\"}", "{\"k\":\"4\"}");
        assertThat(dead).extracting(r -> header(r.headers(), "__streams.errors.topic"))
                .containsExactly(TOPICS.chats(), TOPICS.chats(), TOPICS.chatEvents(), TOPICS.chatEvents());
        assertThat(dead).extracting(r -> header(r.headers(), "__streams.errors.offset")).containsExactly("0", "1", "0", "1");
        assertThat(dead).allSatisfy(r -> {
            assertThat(header(r.headers(), "__streams.errors.exception")).isEqualTo("io.cdcsentinel.cdc.BadChangeException");
            assertThat(header(r.headers(), "__streams.errors.partition")).isEqualTo("0");
            assertThat(header(r.headers(), "__streams.errors.stacktrace")).isNotBlank();
        });
        assertThat(header(dead.get(0).headers(), "__streams.errors.message")).contains("conversation_id");
        assertThat(header(dead.get(1).headers(), "__streams.errors.message")).contains("provide.transaction.metadata");
        assertThat(header(dead.get(3).headers(), "__streams.errors.message")).contains("never-seen");

        assertThat(labelsOut.readValuesToList()).extracting(ConversationLabel::getConversationId).containsExactly("good");
    }

    /**
     * The deserialization handler's dead-letter record under at_least_once: TopologyTestDriver 4.3.1 loses it under
     * exactly_once_v2. The handler runs when the raw record is enqueued, its record goes into the mock producer's open
     * transaction, and the driver's first output capture calls MockProducer.clear(), which discards uncommitted sends,
     * before the task commits. A real Streams application sends it in the task's transaction; the handler and its
     * configuration are the production ones here, only the guarantee differs.
     */
    @Test
    void shouldSendUnparsableEnvelopesToTheDeadLetterTopicAndKeepProcessing() {
        start(settings(Duration.ZERO), REPLAY_WALL_CLOCK, "at_least_once");
        byte[] unparsable = "{\"op\":\"c\",\"after\":{\"customer_id\":".getBytes(StandardCharsets.UTF_8);
        byte[] unknownOp = "{\"op\":\"x\",\"source\":{\"lsn\":1,\"ts_ms\":1}}".getBytes(StandardCharsets.UTF_8);

        pipe(TOPICS.chats(), Cdc.key("k", "1"), unparsable);
        pipe(TOPICS.chatEvents(), Cdc.key("k", "2"), unknownOp);
        insert(chat("good").ended(T0), T0);
        tick(T0);

        List<TestRecord<byte[], byte[]>> dead = dlqOut.readRecordsToList();
        assertThat(dead).extracting(r -> Cdc.text(r.value())).containsExactly(Cdc.text(unparsable), Cdc.text(unknownOp));
        assertThat(dead).extracting(r -> header(r.headers(), "__streams.errors.exception"))
                .containsOnly("org.apache.kafka.common.errors.SerializationException");
        assertThat(dead).extracting(r -> header(r.headers(), "__streams.errors.topic"))
                .containsExactly(TOPICS.chats(), TOPICS.chatEvents());
        assertThat(header(dead.get(1).headers(), "__streams.errors.message")).contains("unknown op 'x'");
        assertThat(labelsOut.readValuesToList()).extracting(ConversationLabel::getConversationId).containsExactly("good");
    }

    @Test
    void shouldIgnoreTombstones() {
        start(settings(Duration.ZERO), REPLAY_WALL_CLOCK);
        Chat chat = chat("conv-1");
        pipe(TOPICS.chats(), chatKey(chat), null);
        pipe(TOPICS.chatEvents(), eventKey("e1"), null);
        insert(chat.ended(T0), T0);
        pipe(TOPICS.chats(), chatKey(chat), null);
        tick(T0);

        assertThat(labelsOut.readValuesToList()).extracting(ConversationLabel::getKind).containsExactly(LabelKind.FINAL);
        assertThat(dlqOut.isEmpty()).isTrue();
    }

    @Test
    void shouldWriteOneFinalForSnapshotRowsOfAnEndedConversation() {
        start(settings(SETTLE), REPLAY_WALL_CLOCK);
        Chat chat = chat("conv-1").agent("agent-a").ended(T0.minus(Duration.ofDays(3)));
        Instant read = T0;
        byte[] chatRead = cdc.snapshotRead("chats", chat.json(), read);
        pipe(TOPICS.chats(), chatKey(chat), chatRead);
        pipe(TOPICS.chatEvents(), eventKey("e1"),
                cdc.snapshotRead("chat_events", eventRow(chat, "e1", "ASSIST_USED", T0.minus(Duration.ofDays(3))), read.plusMillis(40)));
        pipe(TOPICS.chatEvents(), eventKey("e2"),
                cdc.snapshotRead("chat_events", eventRow(chat, "e2", "BOT_RESOLVED", T0.minus(Duration.ofDays(3))), read.plusMillis(41)));
        tick(read.plus(SETTLE).plusSeconds(1));

        ConversationLabel label = single(labelsOut.readValuesToList());
        assertThat(label.getKind()).isEqualTo(LabelKind.FINAL);
        assertThat(label.getAssistUsedCount()).isEqualTo(1);
        assertThat(label.getBotOutcome()).isEqualTo(BotOutcome.RESOLVED);
        assertThat(label.getVersion()).isEqualTo(Cdc.version(chatRead));

        // A second snapshot of the same rows (e.g. after a connector reset) changes nothing.
        pipe(TOPICS.chats(), chatKey(chat), cdc.snapshotRead("chats", chat.json(), read.plusSeconds(600)));
        tick(read.plusSeconds(700));
        assertThat(labelsOut.isEmpty()).isTrue();
    }

    /**
     * The first transaction streamed after the connector's first start has no previous commit, so its version comes
     * from its own change LSN: below the snapshot's when it began before the snapshot point. It committed after the
     * snapshot was read, so it must still replace the snapshot images, not be dropped as an older re-delivery.
     */
    @Test
    void shouldApplyTheFirstStreamedTransactionOverSnapshotImagesWithAHigherVersion() {
        start(settings(SETTLE), REPLAY_WALL_CLOCK);
        Chat chat = chat("conv-1").agent("agent-a").ended(T0.minus(Duration.ofDays(3)));
        ObjectNode event = eventRow(chat, "e1", "ASSIST_SHOWN", T0.minus(Duration.ofDays(3)));
        byte[] chatRead = cdc.snapshotRead("chats", chat.json(), T0);
        pipe(TOPICS.chatEvents(), eventKey("e1"), cdc.snapshotRead("chat_events", event, T0));
        pipe(TOPICS.chats(), chatKey(chat), chatRead);

        Instant committed = T0.plus(SETTLE).plusSeconds(10);
        Cdc.Tx first = cdc.firstStreamedTxBegunBeforeTheSnapshot(committed);
        byte[] reassigned = first.change("chats", "u", chat.json(), chat.agent("agent-b").touched(committed).json());
        byte[] used = first.change("chat_events", "u", null, event.deepCopy().put("event_type", "ASSIST_USED"));
        assertThat(Cdc.version(reassigned)).isLessThan(Cdc.version(chatRead));
        pipe(TOPICS.chats(), chatKey(chat), reassigned);
        pipe(TOPICS.chatEvents(), eventKey("e1"), used);
        tick(committed.plus(SETTLE));

        List<ConversationLabel> labels = labelsOut.readValuesToList();
        assertThat(labels).extracting(ConversationLabel::getKind).containsExactly(LabelKind.FINAL, LabelKind.CORRECTION);
        assertThat(labels.get(0).getAgentUserId()).isEqualTo("agent-a");
        ConversationLabel correction = labels.get(1);
        assertThat(correction.getAgentUserId()).isEqualTo("agent-b");
        assertThat(correction.getAssistShownCount()).isZero();
        assertThat(correction.getAssistUsedCount()).isEqualTo(1);
        assertThat(correction.getVersion()).isGreaterThan(labels.get(0).getVersion());

        // The snapshot images re-delivered after it (a connector restart within the snapshot's batch) change nothing.
        pipe(TOPICS.chats(), chatKey(chat), chatRead);
        tick(committed.plus(SETTLE).plus(SETTLE).plusSeconds(1));
        assertThat(labelsOut.isEmpty()).isTrue();
    }

    /** The event index, too, lets the first streamed transaction move an event away from its snapshot conversation. */
    @Test
    void shouldMoveASnapshotEventInTheFirstStreamedTransactionAlthoughItsVersionIsLower() {
        start(settings(Duration.ZERO), REPLAY_WALL_CLOCK);
        Chat a = chat("conv-a").ended(T0.minus(Duration.ofDays(3)));
        Chat b = chat("conv-b").ended(T0.minus(Duration.ofDays(3)));
        pipe(TOPICS.chatEvents(), eventKey("e1"),
                cdc.snapshotRead("chat_events", eventRow(a, "e1", "ASSIST_USED", T0.minus(Duration.ofDays(3))), T0));
        pipe(TOPICS.chats(), chatKey(a), cdc.snapshotRead("chats", a.json(), T0));
        byte[] read = cdc.snapshotRead("chats", b.json(), T0);
        pipe(TOPICS.chats(), chatKey(b), read);
        assertThat(labelsOut.readValuesToList()).hasSize(2);

        Instant committed = T0.plusSeconds(5);
        // REPLICA IDENTITY DEFAULT: no before image, only the index knows conv-a.
        byte[] moved = cdc.firstStreamedTxBegunBeforeTheSnapshot(committed)
                .change("chat_events", "u", null, eventRow(b, "e1", "ASSIST_USED", T0.minus(Duration.ofDays(3))));
        assertThat(Cdc.version(moved)).isLessThan(Cdc.version(read));
        pipe(TOPICS.chatEvents(), eventKey("e1"), moved);
        tick(committed.plusSeconds(1));

        Map<String, Integer> used = new HashMap<>();
        labelsOut.readValuesToList().forEach(l -> used.put(l.getConversationId(), l.getAssistUsedCount()));
        assertThat(used).containsExactlyInAnyOrderEntriesOf(Map.of("conv-a", 0, "conv-b", 1));
    }

    // ---------------------------------------------------------------- retention

    @Test
    void shouldLeaveTheLabelAsWrittenForChangesAfterTheStateExpired() {
        Duration retention = Duration.ofDays(1);
        start(settings(SETTLE).withStateRetention(retention), REPLAY_WALL_CLOCK);
        Chat chat = chat("conv-1").agent("agent-a");
        insert(chat, T0);
        event(chat, "e1", "ASSIST_USED", T0.plusSeconds(1));
        Instant end = T0.plusSeconds(60);
        Chat ended = chat.ended(end);
        update(chat, ended, end);
        tick(end.plus(SETTLE));
        ConversationLabel fin = single(labelsOut.readValuesToList());
        tick(end.plus(retention).plusSeconds(1));
        assertThat(storedKeys(ConversationLabelProcessor.CONVERSATIONS_STORE)).as("conversation state dropped")
                .noneMatch(k -> k.contains("conv-1"));
        assertThat(storedKeys(ConversationLabelProcessor.EVENTS_STORE)).as("event state dropped")
                .noneMatch(k -> k.contains("conv-1"));

        Instant later = end.plus(retention).plusSeconds(3600);
        update(ended, ended.agent("agent-b"), later);
        event(chat, "e2", "ASSIST_SHOWN", later.plusSeconds(1));
        tick(later.plus(SETTLE).plusSeconds(60));
        assertThat(labelsOut.isEmpty()).as("no label with partial counts from an expired conversation").isTrue();

        byte[] deletion = delete(ended.agent("agent-b"), later.plusSeconds(600));
        tick(later.plusSeconds(600).plus(SETTLE));
        ConversationLabel deleted = single(labelsOut.readValuesToList());
        assertThat(deleted.getKind()).isEqualTo(LabelKind.DELETE);
        assertThat(deleted.getVersion()).isEqualTo(Cdc.version(deletion)).isGreaterThan(fin.getVersion());
    }

    // ================================================================= fixtures

    /** Keys of a label store, readable (length prefixes dropped). */
    private List<String> storedKeys(String store) {
        List<String> keys = new ArrayList<>();
        KeyValueStore<Bytes, Object> kv = driver.getKeyValueStore(store);
        try (KeyValueIterator<Bytes, Object> it = kv.all()) {
            it.forEachRemaining(e -> keys.add(new String(e.key.get(), StandardCharsets.UTF_8).replaceAll("[\\x00-\\x1f]", "/")));
        }
        return keys;
    }

    private static LabelSettings settings(Duration settle) {
        return LabelSettings.defaults().withSettleWindow(settle);
    }

    private void start(LabelSettings settings, Instant wallClock) {
        start(settings, wallClock, null);
    }

    /** @param guarantee null for the production exactly_once_v2 */
    private void start(LabelSettings settings, Instant wallClock, String guarantee) {
        start(settings, wallClock, guarantee, Map.of());
    }

    private void start(LabelSettings settings, Instant wallClock, String guarantee, Map<String, Object> streamsOverrides) {
        if (driver != null) {
            driver.close();
        }
        runs++;
        KafkaSettings kafka = KafkaSettings.from(ConfigSource.of(Map.of("kafka.bootstrap", "127.0.0.1:9")));
        StreamsSettings streams = StreamsSettings.from(ConfigSource.of(Map.of("streams.state.dir",
                tempDir.resolve("state-" + runs).toString())));
        Properties props = StreamsProperties.create("label-test-labels", kafka, streams, TOPICS);
        if (guarantee != null) {
            props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
        }
        props.putAll(streamsOverrides);
        driver = new TopologyTestDriver(ConversationLabelTopology.build(LabelTopics.withPlainAvro(TOPICS), settings), props,
                wallClock);
        this.settings = settings;
        this.wallClock = wallClock;
        // Record timestamps only matter for tombstones (envelopes carry their commit time): a fixed T0.
        chatsIn = driver.createInputTopic(TOPICS.chats(), new ByteArraySerializer(), new ByteArraySerializer(), T0, Duration.ZERO);
        eventsIn = driver.createInputTopic(TOPICS.chatEvents(), new ByteArraySerializer(), new ByteArraySerializer(), T0,
                Duration.ZERO);
        LabelTopics topics = LabelTopics.withPlainAvro(TOPICS);
        labelsOut = driver.createOutputTopic(TOPICS.labels(), topics.labels().keySerde().deserializer(),
                topics.labels().valueSerde().deserializer());
        dlqOut = driver.createOutputTopic(TOPICS.deadLetters(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private List<ConversationLabel> replayIntoAFreshDriver() {
        List<Map.Entry<String, KeyValue<byte[], byte[]>>> log = List.copyOf(inputLog);
        start(settings, wallClock);
        for (Map.Entry<String, KeyValue<byte[], byte[]>> entry : log) {
            (entry.getKey().equals(TOPICS.chats()) ? chatsIn : eventsIn).pipeInput(entry.getValue().key, entry.getValue().value);
        }
        return labelsOut.readValuesToList();
    }

    private void pipe(String topic, byte[] key, byte[] value) {
        inputLog.add(Map.entry(topic, KeyValue.pair(key, value)));
        (topic.equals(TOPICS.chats()) ? chatsIn : eventsIn).pipeInput(key, value);
    }

    private byte[] insert(Chat chat, Instant at) {
        byte[] envelope = cdc.tx(at).change("chats", "c", null, chat.json());
        pipe(TOPICS.chats(), chatKey(chat), envelope);
        return envelope;
    }

    private byte[] update(Chat before, Chat after, Instant at) {
        byte[] envelope = cdc.tx(at).change("chats", "u", before.json(), after.touched(at).json());
        pipe(TOPICS.chats(), chatKey(after), envelope);
        return envelope;
    }

    private byte[] delete(Chat chat, Instant at) {
        byte[] envelope = cdc.tx(at).change("chats", "d", chat.json(), null);
        pipe(TOPICS.chats(), chatKey(chat), envelope);
        pipe(TOPICS.chats(), chatKey(chat), null);
        return envelope;
    }

    private byte[] event(Chat chat, String eventId, String type, Instant at) {
        byte[] envelope = cdc.tx(at).change("chat_events", "c", null, eventRow(chat, eventId, type, at));
        pipe(TOPICS.chatEvents(), eventKey(eventId), envelope);
        return envelope;
    }

    /**
     * Moves time to {@code at} on both CDC topics (the label clock follows the slower of them): an unrelated
     * conversation opens then, with one event.
     */
    private void tick(Instant at) {
        ticks++;
        Chat clock = new Chat("cust-1", "prof-1", "clock-" + ticks, null, null, at, null, at);
        insert(clock, at);
        event(clock, "clock-event-" + ticks, "ASSIST_SHOWN", at);
    }

    private static ObjectNode eventRow(Chat chat, String eventId, String type, Instant createdAt) {
        return Cdc.JSON.createObjectNode().put("event_id", eventId).put("customer_id", chat.customer())
                .put("profile_id", chat.profile()).put("conversation_id", chat.id()).put("event_type", type)
                .put("created_at", createdAt.toString());
    }

    private static byte[] chatKey(Chat chat) {
        return Cdc.key("customer_id", chat.customer(), "profile_id", chat.profile(), "conversation_id", chat.id());
    }

    private static byte[] eventKey(String eventId) {
        return Cdc.key("customer_id", "cust-1", "profile_id", "prof-1", "event_id", eventId);
    }

    private static Chat chat(String id) {
        return new Chat("cust-1", "prof-1", id, "agent-a", "uc-1", T0, null, T0);
    }

    private static List<Chat> seventeenChats(String agent) {
        return IntStream.rangeClosed(1, 17).mapToObj(i -> chat("conv-" + i).agent(agent)).toList();
    }

    private static ConversationLabel single(List<ConversationLabel> labels) {
        assertThat(labels).hasSize(1);
        return labels.get(0);
    }

    private static String header(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** An app.chats row. */
    record Chat(String customer, String profile, String id, String agentUserId, String usecaseId, Instant createdAt,
            Instant endedAt, Instant updatedAt) {

        Chat agent(String agent) {
            return new Chat(customer, profile, id, agent, usecaseId, createdAt, endedAt, updatedAt);
        }

        Chat usecase(String usecase) {
            return new Chat(customer, profile, id, agentUserId, usecase, createdAt, endedAt, updatedAt);
        }

        Chat ended(Instant end) {
            return new Chat(customer, profile, id, agentUserId, usecaseId, createdAt, end, updatedAt);
        }

        Chat touched(Instant at) {
            return new Chat(customer, profile, id, agentUserId, usecaseId, createdAt, endedAt, at);
        }

        ObjectNode json() {
            ObjectNode row = Cdc.JSON.createObjectNode().put("conversation_id", id).put("customer_id", customer)
                    .put("profile_id", profile).put("agent_user_id", agentUserId).put("usecase_id", usecaseId)
                    .put("created_at", createdAt.toString());
            if (endedAt == null) {
                row.putNull("ended_at");
            } else {
                row.put("ended_at", endedAt.toString());
            }
            return row.put("updated_at", updatedAt.toString());
        }
    }
}
