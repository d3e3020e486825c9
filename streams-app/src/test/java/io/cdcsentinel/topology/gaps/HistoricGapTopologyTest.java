package io.cdcsentinel.topology.gaps;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcsentinel.avro.BucketSize;
import io.cdcsentinel.avro.DecisionClock;
import io.cdcsentinel.avro.GapEventType;
import io.cdcsentinel.avro.GapRate;
import io.cdcsentinel.avro.GapRateKind;
import io.cdcsentinel.avro.GapStage;
import io.cdcsentinel.avro.ScorecardGapEvent;
import io.cdcsentinel.avro.ScorecardGapKey;
import io.cdcsentinel.cdc.BadChangeException;
import io.cdcsentinel.config.GapSettings;
import io.cdcsentinel.topology.InputEnd;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One test per rule of issue 3 / domain.md section 1, through the whole topology as {@code bin/sentinel run}
 * configures it. Defaults unless said otherwise: grace 5 minutes, settled retention 7 days, threshold 5 %
 * with a minimum volume of 20, roll-ups emitted at most every 30 s of event time.
 */
class HistoricGapTopologyTest {
    private static final Instant T0 = Instant.parse("2025-01-21T10:00:00Z");
    /** Wall clock far ahead of the records: a replay, so the wall-clock fallback never engages. */
    private static final Instant REPLAY_WALL_CLOCK = T0.plus(Duration.ofDays(365));

    private final List<GapDriver> drivers = new ArrayList<>();
    private final GapDriver driver = driver(REPLAY_WALL_CLOCK);

    private GapDriver driver(Instant wallClock) {
        GapDriver d = new GapDriver(wallClock);
        drivers.add(d);
        return d;
    }

    @AfterEach
    void closeDrivers() {
        try {
            // a bug in a processor would be "handled" like bad input: make it fail the test instead
            drivers.forEach(d -> assertThat(d.deadLetters()).as("unexpected dead letters").isEmpty());
        } finally {
            drivers.forEach(GapDriver::close);
        }
    }

    private static Instant at(long minutes) {
        return T0.plus(Duration.ofMinutes(minutes));
    }

    @Nested
    class Shape {
        @Test
        void shouldRepartitionTheScorecardSideOnceFromOneSubTopologyAndWriteBothOutputs() {
            TopologyDescription description = HistoricGapTopology.build(GapTopics.withPlainAvro(GapDriver.TOPICS),
                    GapSettings.defaults()).describe();
            Set<String> sinks = new TreeSet<>();
            Set<String> stores = new TreeSet<>();
            description.subtopologies().forEach(sub -> sub.nodes().forEach(node -> {
                if (node instanceof TopologyDescription.Sink sink) {
                    sinks.add(sink.topic());
                }
                if (node instanceof TopologyDescription.Processor processor) {
                    stores.addAll(processor.stores());
                }
            }));

            assertThat(sinks).containsExactlyInAnyOrder("gaps-changes-by-scorecard-repartition", "gaps-chats-by-conversation-repartition",
                    "gaps-transitions-by-conversation-repartition", "gaps-rate-counts-by-day-repartition",
                    GapDriver.TOPICS.gaps(), GapDriver.TOPICS.gapRates());
            assertThat(stores).containsExactlyInAnyOrder(ScoreLinkProcessor.INDEX_STORE, ScorecardGapProcessor.STATE_STORE,
                    ScorecardGapProcessor.TIMER_STORE, ScorecardGapProcessor.PENDING_RATES_STORE, HistoricGapTopology.CONVERSATION_STORE, GapRateProcessor.BUCKET_STORE,
                    GapRateProcessor.TIMER_STORE, ScorecardGapProcessor.CLOCK_STORE, GapRateProcessor.CLOCK_STORE,
                    ScorecardGapProcessor.OPEN_COUNT_STORE, GapRateProcessor.ALERTING_COUNT_STORE);
            assertThat(HistoricGapTopology.applicationId("cdc-sentinel")).isEqualTo("cdc-sentinel-gaps");
            // the three scorecard-side sources in one sub-topology: one task reads them in timestamp order
            assertThat(description.subtopologies()).filteredOn(sub -> sub.nodes().stream()
                            .anyMatch(n -> n instanceof TopologyDescription.Source source && source.topicSet().contains(GapDriver.TOPICS.scores())))
                    .singleElement().satisfies(sub -> assertThat(sub.nodes()).filteredOn(n -> n instanceof TopologyDescription.Source)
                            .flatExtracting(n -> ((TopologyDescription.Source) n).topicSet())
                            .containsExactlyInAnyOrder(GapDriver.TOPICS.scorecards(), GapDriver.TOPICS.scores(),
                                    GapDriver.TOPICS.historicScores()));
        }
    }

    @Nested
    class Lifecycle {
        @Test
        void shouldOpenAGapWithWhatAnOperatorNeedsWhenTheGraceExpiresWithoutAHistoricRow() {
            driver.chat(Cdc.chat("conv-sc-1", at(-30), null, at(-30)))
                    .scorecard(Cdc.scorecard("sc-1").insert(T0))
                    .score(Cdc.score("s-1", "sc-1", T0))
                    .score(Cdc.score("s-2", "sc-1", T0))
                    .advanceTo(at(4));
            assertThat(driver.gapEvents()).isEmpty();

            driver.advanceTo(at(6));

            assertThat(driver.gapEvents()).singleElement().satisfies(e -> {
                assertThat(e.getEventType()).isEqualTo(GapEventType.OPENED);
                assertThat(e.getCustomer()).isEqualTo(Cdc.CUSTOMER);
                assertThat(e.getProfile()).isEqualTo(Cdc.PROFILE);
                assertThat(e.getScorecardId()).isEqualTo("sc-1");
                assertThat(e.getTemplateId()).isEqualTo("tpl-1");
                assertThat(e.getConversationId()).isEqualTo("conv-sc-1");
                assertThat(e.getProcessScorecard()).isFalse();
                assertThat(e.getConversationExists()).isTrue();
                assertThat(e.getConversationEnded()).isFalse();
                assertThat(e.getCreatedAt()).isEqualTo(T0);
                assertThat(e.getSubmittedAt()).isNull();
                assertThat(e.getDirectorScoreCount()).isEqualTo(2);
                assertThat(e.getHistoricRowCount()).isZero();
                assertThat(e.getStage()).isEqualTo(GapStage.AFTER_CREATE);
                assertThat(e.getDetectedAt()).isEqualTo(at(5));
                assertThat(e.getDecidedAt()).isEqualTo(at(5));
                assertThat(e.getClock()).isEqualTo(DecisionClock.STREAM_TIME);
                assertThat(e.getSourceTsMs()).isEqualTo(T0.toEpochMilli());
                assertThat(e.getSourceLsn()).isNotNull();
            });
            assertThat(driver.gapRecords()).singleElement()
                    .satisfies(r -> assertThat(r.key()).isEqualTo(new ScorecardGapKey(Cdc.CUSTOMER, Cdc.PROFILE, "sc-1")));
        }

        @Test
        void shouldRaiseNothingWhenTheHistoricRowArrivesWithinTheGrace() {
            driver.scorecard(Cdc.scorecard("sc-1").insert(T0))
                    .historic(Cdc.historic("sc-1", "crit-1", at(4)))
                    .advanceTo(at(60));

            assertThat(driver.gapEvents()).isEmpty();
        }

        @Test
        void shouldResolveWithTheTimeOpenWhenHistoricRowsAppearLater() {
            driver.scorecard(Cdc.scorecard("sc-1").insert(T0)).advanceTo(at(6));
            driver.historic(Cdc.historic("sc-1", "crit-1", at(30)))
                    .historic(Cdc.historic("sc-1", "crit-2", at(30)))
                    .advanceTo(at(90));

            assertThat(driver.gapEvents()).extracting(ScorecardGapEvent::getEventType)
                    .containsExactly(GapEventType.OPENED, GapEventType.RESOLVED);
            ScorecardGapEvent resolved = driver.gapEvents().get(1);
            assertThat(resolved.getOpenMillis()).isEqualTo(Duration.ofMinutes(25).toMillis());
            assertThat(resolved.getDetectedAt()).isEqualTo(at(5));
            assertThat(resolved.getDecidedAt()).isEqualTo(at(30));
            assertThat(resolved.getHistoricRowCount()).isEqualTo(1);
            assertThat(resolved.getClock()).isEqualTo(DecisionClock.CHANGE);
        }

        @Test
        void shouldDecideAnExpiredGraceBeforeALaterChangeOfTheSameScorecardWhateverThePunctuationTiming() {
            // no record in between: the late historic row is the first thing after the deadline
            driver.scorecard(Cdc.scorecard("sc-1").insert(T0))
                    .historic(Cdc.historic("sc-1", "crit-1", at(7)));

            assertThat(driver.gapEvents()).extracting(ScorecardGapEvent::getEventType)
                    .containsExactly(GapEventType.OPENED, GapEventType.RESOLVED);
            assertThat(driver.gapEvents().get(1).getOpenMillis()).isEqualTo(Duration.ofMinutes(2).toMillis());
        }

        @Test
        void shouldWithdrawAGapWhenTheScorecardIsDeletedWhileOpen() {
            Cdc.ScorecardBuilder scorecard = Cdc.scorecard("sc-1");
            driver.scorecard(scorecard.insert(T0)).advanceTo(at(6));
            driver.scorecard(scorecard.delete(at(20))).scorecard(Cdc.tombstone("sc-1")).advanceTo(at(60));

            assertThat(driver.gapEvents()).extracting(ScorecardGapEvent::getEventType)
                    .containsExactly(GapEventType.OPENED, GapEventType.WITHDRAWN);
            ScorecardGapEvent withdrawn = driver.gapEvents().get(1);
            assertThat(withdrawn.getWithdrawReason()).isEqualTo("DELETED");
            assertThat(withdrawn.getDeleted()).isTrue();
            assertThat(withdrawn.getOpenMillis()).isEqualTo(Duration.ofMinutes(15).toMillis());
        }

        @Test
        void shouldWithdrawAGapWhenTheScorecardIsDeletedWithAKeyOnlyBeforeImage() {
            Cdc.ScorecardBuilder scorecard = Cdc.scorecard("sc-1");
            driver.scorecard(scorecard.insert(T0)).advanceTo(at(6));
            driver.scorecard(scorecard.deleteKeyOnly(at(20)));

            assertThat(driver.gapEvents()).extracting(ScorecardGapEvent::getEventType, ScorecardGapEvent::getWithdrawReason)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(GapEventType.OPENED, null),
                            org.assertj.core.groups.Tuple.tuple(GapEventType.WITHDRAWN, "DELETED"));
            assertThat(driver.gapEvents().get(1).getTemplateId()).isEqualTo("tpl-1");
        }

        @Test
        void shouldWithdrawWithTheReasonWhenAnOpenScorecardStopsBeingEligible() {
            Map<String, Consumer<Cdc.ScorecardBuilder>> changes = new LinkedHashMap<>();
            changes.put("SOFT_DELETED", b -> b.softDeletedAt(at(20)));
            changes.put("APPEAL", b -> b.type(2));
            changes.put("CALIBRATION_COPY", b -> b.calibrationOf("sc-original"));
            changes.put("OTHER_TYPE", b -> b.type(7));
            changes.forEach((reason, change) -> {
                Cdc.ScorecardBuilder scorecard = Cdc.scorecard("sc-" + reason);
                driver.scorecard(scorecard.insert(T0)).advanceTo(at(6));
                change.accept(scorecard);
                driver.scorecard(scorecard.update(at(20)));
            });

            assertThat(driver.gapEvents()).filteredOn(e -> e.getEventType() == GapEventType.WITHDRAWN)
                    .extracting(ScorecardGapEvent::getScorecardId, ScorecardGapEvent::getWithdrawReason)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("sc-SOFT_DELETED", "SOFT_DELETED"),
                            org.assertj.core.groups.Tuple.tuple("sc-APPEAL", "APPEAL"),
                            org.assertj.core.groups.Tuple.tuple("sc-CALIBRATION_COPY", "CALIBRATION_COPY"),
                            org.assertj.core.groups.Tuple.tuple("sc-OTHER_TYPE", "OTHER_TYPE"));
        }

        @Test
        void shouldRaiseNothingWhenAPendingScorecardStopsBeingEligible() {
            Cdc.ScorecardBuilder scorecard = Cdc.scorecard("sc-1");
            driver.scorecard(scorecard.insert(T0));
            driver.scorecard(scorecard.type(1).update(at(2))).advanceTo(at(60));

            assertThat(driver.gapEvents()).isEmpty();
        }

        @Test
        void shouldOpenAtTheSubmitStageWhenTheSubmissionComesBeforeTheCreationsHistoricWriteAndItNeverHappens() {
            Cdc.ScorecardBuilder scorecard = Cdc.scorecard("sc-1");
            driver.scorecard(scorecard.insert(T0));
            // submitted 3 minutes in: the submission skips the historic write, the creation's never happens
            driver.scorecard(scorecard.submittedAt(at(3)).update(at(3))).advanceTo(at(7));
            assertThat(driver.gapEvents()).as("a grace period from the submission").isEmpty();

            driver.advanceTo(at(9));

            assertThat(driver.gapEvents()).singleElement().satisfies(e -> {
                assertThat(e.getEventType()).isEqualTo(GapEventType.OPENED);
                assertThat(e.getStage()).isEqualTo(GapStage.AFTER_SUBMIT);
                assertThat(e.getDetectedAt()).isEqualTo(at(8));
                assertThat(e.getSubmittedAt()).isEqualTo(at(3));
            });
        }

        @Test
        void shouldRaiseOneEventPerTransitionWhenAnOpenScorecardIsSubmittedAndUpdated() {
            Cdc.ScorecardBuilder scorecard = Cdc.scorecard("sc-1");
            driver.scorecard(scorecard.insert(T0)).advanceTo(at(6));
            driver.scorecard(scorecard.submittedAt(at(10)).update(at(10)))
                    .scorecard(scorecard.update(at(12)))
                    .score(Cdc.score("s-1", "sc-1", at(13)))
                    .advanceTo(at(60));

            assertThat(driver.gapEvents()).extracting(ScorecardGapEvent::getEventType).containsExactly(GapEventType.OPENED);
        }

        @Test
        void shouldOpenAgainWhenEveryHistoricRowIsDeleted() {
            driver.scorecard(Cdc.scorecard("sc-1").insert(T0))
                    .historic(Cdc.historic("sc-1", "crit-1", at(1)))
                    .historic(Cdc.historicDeleted("sc-1", "crit-1", at(10)))
                    .advanceTo(at(16));

            assertThat(driver.gapEvents()).singleElement().satisfies(e -> {
                assertThat(e.getEventType()).isEqualTo(GapEventType.OPENED);
                assertThat(e.getDetectedAt()).isEqualTo(at(15));
            });
        }

        @Test
        void shouldReportTheConversationAsItWasWhenEachEventWasDecided() {
            driver.chat(Cdc.chat("conv-sc-1", at(-30), null, at(-30)))
                    .scorecard(Cdc.scorecard("sc-1").insert(T0))
                    .scorecard(Cdc.scorecard("sc-2").conversation("conv-unknown").insert(T0))
                    .advanceTo(at(6))
                    .chat(Cdc.chat("conv-sc-1", at(-30), at(8), at(8)))
                    .historic(Cdc.historic("sc-1", "crit-1", at(10)));

            assertThat(driver.gapEventsOf("sc-1"))
                    .extracting(ScorecardGapEvent::getEventType, ScorecardGapEvent::getConversationExists,
                            ScorecardGapEvent::getConversationEnded)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(GapEventType.OPENED, true, false),
                            org.assertj.core.groups.Tuple.tuple(GapEventType.RESOLVED, true, true));
            assertThat(driver.gapEventsOf("sc-2")).singleElement()
                    .satisfies(e -> assertThat(e.getConversationExists()).isFalse());
        }
    }

    @Nested
    class Eligibility {
        private void createAndLetTheGraceExpire(Cdc.ScorecardBuilder scorecard) {
            driver.scorecard(scorecard.insert(T0)).advanceTo(at(10));
        }

        @Test
        void shouldNeverAlertOnACalibrationCopy() {
            createAndLetTheGraceExpire(Cdc.scorecard("sc-1").calibrationOf("sc-original"));
            assertThat(driver.gapEvents()).isEmpty();
        }

        @ParameterizedTest(name = "appeal type {0}")
        @ValueSource(ints = {1, 2, 3})
        void shouldNeverAlertOnAnAppeal(int type) {
            createAndLetTheGraceExpire(Cdc.scorecard("sc-1").type(type));
            assertThat(driver.gapEvents()).isEmpty();
        }

        @ParameterizedTest(name = "scorecard_type {0}")
        @NullSource
        @ValueSource(ints = 0)
        void shouldAlertOnAnUnspecifiedTypeWhetherNullOrZero(Integer type) {
            createAndLetTheGraceExpire(Cdc.scorecard("sc-1").type(type));
            assertThat(driver.gapEvents()).singleElement().satisfies(e -> {
                assertThat(e.getEventType()).isEqualTo(GapEventType.OPENED);
                assertThat(e.getScorecardType()).isEqualTo(type);
            });
        }

        @ParameterizedTest(name = "scorecard_type {0}")
        @ValueSource(ints = {4, 9, -1})
        void shouldNeverAlertOnAnotherNonOriginalType(int type) {
            createAndLetTheGraceExpire(Cdc.scorecard("sc-1").type(type));
            assertThat(driver.gapEvents()).isEmpty();
        }

        @Test
        void shouldNeverAlertOnASoftDeletedScorecard() {
            createAndLetTheGraceExpire(Cdc.scorecard("sc-1").softDeletedAt(T0));
            assertThat(driver.gapEvents()).isEmpty();
        }

        @ParameterizedTest(name = "conversation_id ''{0}''")
        @NullSource
        @ValueSource(strings = "")
        void shouldAlertOnAProcessScorecardAndFlagIt(String conversationId) {
            createAndLetTheGraceExpire(Cdc.scorecard("sc-1").conversation(conversationId));
            assertThat(driver.gapEvents()).singleElement().satisfies(e -> {
                assertThat(e.getEventType()).isEqualTo(GapEventType.OPENED);
                assertThat(e.getProcessScorecard()).isTrue();
                assertThat(e.getConversationId()).isNull();
                assertThat(e.getConversationExists()).isFalse();
            });
        }
    }

    @Nested
    class Input {
        @Test
        void shouldSkipTombstonesOnEveryInput() {
            driver.scorecard(Cdc.tombstone("a")).score(Cdc.tombstone("b")).historic(Cdc.tombstone("c")).chat(Cdc.tombstone("d"))
                    .scorecard(Cdc.scorecard("sc-1").insert(T0)).advanceTo(at(6));

            assertThat(driver.deadLetters()).isEmpty();
            assertThat(driver.gapEvents()).extracting(ScorecardGapEvent::getScorecardId).containsExactly("sc-1");
        }

        @Test
        void shouldMatchHistoricRowsNamedCustomerIdAndProfileIdToTheDirectorsCustomerAndProfile() {
            driver.scorecard(Cdc.scorecard("sc-1").tenant("globex", "emea").insert(T0))
                    .scorecard(Cdc.scorecard("sc-1").tenant("initech", "emea").insert(T0))
                    // customer_id/profile_id naming, same tenant as the first scorecard only
                    .historic(Cdc.historic("globex", "emea", "sc-1", "crit-1", at(1), false))
                    .advanceTo(at(6));

            assertThat(driver.gapEvents()).singleElement().satisfies(e -> {
                assertThat(e.getCustomer()).isEqualTo("initech");
                assertThat(e.getScorecardId()).isEqualTo("sc-1");
            });
        }

        @Test
        void shouldSendARowWithoutItsKeyColumnsToTheDeadLetterTopicWithItsCoordinatesAndGoOn() {
            Cdc.Change keyless = Cdc.envelope(Cdc.Table.HISTORIC, "c", null,
                    new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("customer_id", "acme")
                            .put("scorecard_id", "sc-9").put("criterion_id", "c"), T0, false);
            driver.historic(keyless).scorecard(Cdc.scorecard("sc-1").insert(T0)).advanceTo(at(6));

            assertThat(driver.deadLetters()).singleElement().satisfies(dead -> {
                assertThat(dead.key()).isEqualTo(keyless.key());
                assertThat(dead.value()).as("the original bytes").isEqualTo(keyless.value());
                assertThat(header(dead, "__streams.errors.topic")).isEqualTo(GapDriver.TOPICS.historicScores());
                assertThat(header(dead, "__streams.errors.partition")).isEqualTo("0");
                assertThat(header(dead, "__streams.errors.offset")).isEqualTo("0");
                assertThat(header(dead, "__streams.errors.exception")).isEqualTo(BadChangeException.class.getName());
                assertThat(header(dead, "__streams.errors.message")).contains("profile_id");
            });
            assertThat(driver.gapEvents()).extracting(ScorecardGapEvent::getScorecardId).containsExactly("sc-1");
        }

        /**
         * Unparsable envelopes and unknown ops fail in the deserializer, so the deserialization handler sends
         * them. TopologyTestDriver 4.3.1 loses that handler's dead-letter records under exactly_once_v2 (those
         * of the processing handler it keeps): the handler runs when the raw record is enqueued, its record
         * goes into the mock producer's open transaction, and the driver's output capture calls
         * MockProducer.clear(), which discards uncommitted sends, before the task commits. A real application
         * sends it in the task's transaction. Only the guarantee differs from production here.
         */
        @Test
        void shouldSendUnparsableEnvelopesAndUnknownOpsToTheDeadLetterTopicAndGoOn() {
            GapDriver atLeastOnce = new GapDriver(GapSettings.defaults(), "gaps-dlq", REPLAY_WALL_CLOCK,
                    Map.of(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE));
            drivers.add(atLeastOnce);
            Cdc.Change unparsable = Cdc.raw("k-1", "{\"op\":\"c\",\"after\":{\"customer\":");
            Cdc.Change unknownOp = Cdc.raw("k-2", "{\"op\":\"x\",\"source\":{\"lsn\":1,\"ts_ms\":1},\"after\":{}}");
            atLeastOnce.scorecard(unparsable).score(unknownOp).scorecard(Cdc.scorecard("sc-1").insert(T0)).advanceTo(at(6));

            List<TestRecord<byte[], byte[]>> dead = atLeastOnce.deadLetters();
            assertThat(dead).extracting(r -> header(r, "__streams.errors.topic"))
                    .containsExactly(GapDriver.TOPICS.scorecards(), GapDriver.TOPICS.scores());
            assertThat(dead).extracting(TestRecord::value).containsExactly(unparsable.value(), unknownOp.value());
            assertThat(dead).allSatisfy(r -> {
                assertThat(header(r, "__streams.errors.offset")).isEqualTo("0");
                assertThat(header(r, "__streams.errors.exception")).isEqualTo(SerializationException.class.getName());
            });
            assertThat(header(dead.get(1), "__streams.errors.message")).contains("unknown op 'x'");
            assertThat(atLeastOnce.gapEvents()).extracting(ScorecardGapEvent::getScorecardId).containsExactly("sc-1");
        }

        @Test
        void shouldCountChangesDeliveredTwiceOnce() {
            Cdc.Change scorecard = Cdc.scorecard("sc-1").insert(T0);
            Cdc.Change score1 = Cdc.score("s-1", "sc-1", T0);
            Cdc.Change score2 = Cdc.score("s-2", "sc-1", T0);
            // a connector crash replays the last batch
            driver.scorecard(scorecard).score(score1).score(score2).scorecard(scorecard).score(score1).score(score2)
                    .advanceTo(at(6));
            Cdc.Change historic = Cdc.historic("sc-1", "crit-1", at(8));
            driver.historic(historic).historic(historic).advanceTo(at(9)).advanceTo(at(61));

            assertThat(driver.gapEvents()).extracting(ScorecardGapEvent::getEventType, ScorecardGapEvent::getDirectorScoreCount,
                            ScorecardGapEvent::getHistoricRowCount)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(GapEventType.OPENED, 2, 0),
                            org.assertj.core.groups.Tuple.tuple(GapEventType.RESOLVED, 2, 1));
            GapRate day = latest(driver.rates(), T0.truncatedTo(java.time.temporal.ChronoUnit.DAYS), BucketSize.DAY);
            assertThat(day.getUnsubmittedTotal()).isEqualTo(1);
            assertThat(day.getUnsubmittedMissing()).isZero();
        }

        @Test
        void shouldFindTheScorecardOfAScoreDeletedWithAKeyOnlyBeforeImage() {
            driver.score(Cdc.score("s-1", "sc-1", T0)).score(Cdc.score("s-2", "sc-1", T0))
                    .scorecard(Cdc.scorecard("sc-1").insert(T0))
                    .score(Cdc.scoreDeletedKeyOnly("s-1", at(1)))
                    .advanceTo(at(6));

            assertThat(driver.gapEvents()).singleElement()
                    .satisfies(e -> assertThat(e.getDirectorScoreCount()).isEqualTo(1));
        }

        @Test
        void shouldRouteScoreDeletesByTheirFullBeforeImageWithoutTheScoreIndex() {
            GapDriver noIndex = withoutScoreIndex();
            noIndex.score(Cdc.score("s-1", "sc-1", T0)).score(Cdc.score("s-2", "sc-1", T0))
                    .scorecard(Cdc.scorecard("sc-1").insert(T0))
                    .score(Cdc.scoreDeleted("s-1", "sc-1", at(1)))
                    .advanceTo(at(6));

            assertThat(noIndex.gapEvents()).singleElement()
                    .satisfies(e -> assertThat(e.getDirectorScoreCount()).isEqualTo(1));
            assertThat(noIndex.driver.getAllStateStores()).doesNotContainKey(ScoreLinkProcessor.INDEX_STORE);
            assertThat(driver.driver.getAllStateStores()).containsKey(ScoreLinkProcessor.INDEX_STORE);
        }

        @Test
        void shouldSendAKeyOnlyScoreDeleteToTheDeadLetterTopicWithoutTheScoreIndex() {
            GapDriver noIndex = withoutScoreIndex();
            Cdc.Change keyOnly = Cdc.scoreDeletedKeyOnly("s-1", at(1));
            noIndex.score(Cdc.score("s-1", "sc-1", T0)).score(Cdc.score("s-2", "sc-1", T0))
                    .scorecard(Cdc.scorecard("sc-1").insert(T0))
                    .score(keyOnly)
                    .advanceTo(at(6));

            assertThat(noIndex.deadLetters()).singleElement().satisfies(r -> {
                assertThat(r.value()).isEqualTo(keyOnly.value());
                assertThat(header(r, "__streams.errors.message")).contains(GapSettings.SCORE_INDEX.name() + "=false");
            });
            assertThat(noIndex.gapEvents()).singleElement()
                    .satisfies(e -> assertThat(e.getDirectorScoreCount()).isEqualTo(2));
        }

        @Test
        void shouldCountAScoreUpdateWithoutABeforeImageWithoutTheScoreIndex() {
            GapDriver noIndex = withoutScoreIndex();
            noIndex.score(Cdc.score("s-1", "sc-1", T0)).scorecard(Cdc.scorecard("sc-1").insert(T0))
                    .scorecard(Cdc.scorecard("sc-2").insert(T0))
                    .score(Cdc.scoreUpdatedWithoutBefore("s-1", "sc-2", at(1)))
                    .advanceTo(at(6));

            // the move away from sc-1 cannot be seen without a before image or the index
            assertThat(noIndex.gapEvents()).extracting(ScorecardGapEvent::getScorecardId, ScorecardGapEvent::getDirectorScoreCount)
                    .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("sc-1", 1),
                            org.assertj.core.groups.Tuple.tuple("sc-2", 1));
            assertThat(noIndex.driver.metrics().entrySet()).filteredOn(m -> m.getKey().name().equals("score-update-without-before-total"))
                    .singleElement().satisfies(m -> assertThat(m.getValue().metricValue()).isEqualTo(1.0));
        }

        private GapDriver withoutScoreIndex() {
            GapDriver noIndex = new GapDriver(GapDriver.settings(Map.of(GapSettings.SCORE_INDEX.name(), "false")),
                    "gaps-no-score-index", REPLAY_WALL_CLOCK);
            drivers.add(noIndex);
            return noIndex;
        }
    }

    @Nested
    class Snapshot {
        @Test
        void shouldRaiseNothingForTheSnapshotOfAnOldHealthyDatabase() {
            Instant snapshotAt = T0;
            List<Cdc.ScorecardBuilder> scorecards = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                scorecards.add(Cdc.scorecard("old-" + i).createdAt(T0.minus(Duration.ofHours(1 + i)))
                        .submittedAt(i % 2 == 0 ? T0.minus(Duration.ofHours(i)) : null));
            }
            // Debezium's snapshot order: historic.scorecard_scores, director.scores, then director.scorecards
            scorecards.forEach(s -> driver.historic(Cdc.historic(Cdc.CUSTOMER, Cdc.PROFILE, s.id(), "crit-1", snapshotAt, true)));
            scorecards.forEach(s -> driver.scorecard(s.snapshot(snapshotAt)));
            driver.advanceTo(at(30)).advanceTo(at(120));

            assertThat(driver.gapEvents()).isEmpty();
            assertThat(driver.rates()).isNotEmpty()
                    .allSatisfy(r -> {
                        assertThat(r.getKind()).isEqualTo(GapRateKind.ROLLUP);
                        assertThat(r.getUnsubmittedMissing() + r.getSubmittedMissing()).isZero();
                    });
        }

        @Test
        void shouldOpenAGapForASnapshotScorecardWithoutHistoricRowsOneGraceAfterTheSnapshotRead() {
            driver.historic(Cdc.historic(Cdc.CUSTOMER, Cdc.PROFILE, "healthy", "crit-1", T0, true))
                    .scorecard(Cdc.scorecard("healthy").createdAt(T0.minus(Duration.ofDays(3))).snapshot(T0))
                    .scorecard(Cdc.scorecard("lost").createdAt(T0.minus(Duration.ofDays(3))).snapshot(T0))
                    .advanceTo(at(4));
            assertThat(driver.gapEvents()).isEmpty();

            driver.advanceTo(at(6));

            assertThat(driver.gapEvents()).singleElement().satisfies(e -> {
                assertThat(e.getScorecardId()).isEqualTo("lost");
                assertThat(e.getDetectedAt()).isEqualTo(at(5));
                assertThat(e.getCreatedAt()).isEqualTo(T0.minus(Duration.ofDays(3)));
            });
        }
    }

    @Nested
    class BoundedState {
        @Test
        void shouldIgnoreAVeryLateChangeOfAScorecardThatLeftTheState() {
            Cdc.ScorecardBuilder scorecard = Cdc.scorecard("sc-1");
            driver.scorecard(scorecard.insert(T0)).historic(Cdc.historic("sc-1", "crit-1", at(1)))
                    .advanceTo(T0.plus(Duration.ofDays(8)));
            // submitted nine days later: its historic rows are long gone from the state
            driver.scorecard(scorecard.submittedAt(T0.plus(Duration.ofDays(9))).update(T0.plus(Duration.ofDays(9))))
                    .advanceTo(T0.plus(Duration.ofDays(9)).plus(Duration.ofMinutes(30)));

            assertThat(driver.gapEvents()).isEmpty();
        }

        @Test
        void shouldIgnoreAChangeOfAnOldScorecardNeverSeenBefore() {
            driver.scorecard(Cdc.scorecard("sc-old").createdAt(T0.minus(Duration.ofDays(30))).update(T0))
                    .advanceTo(at(30));

            assertThat(driver.gapEvents()).isEmpty();
            assertThat(driver.rates()).isEmpty();
        }

        @Test
        void shouldDeleteTheKeyOfASettledGapFromTheCompactedTopicAfterTheRetention() {
            driver.scorecard(Cdc.scorecard("sc-1").insert(T0)).advanceTo(at(6))
                    .historic(Cdc.historic("sc-1", "crit-1", at(10)))
                    .advanceTo(T0.plus(Duration.ofDays(6)));
            assertThat(driver.gapRecords()).extracting(TestRecord::value).doesNotContainNull();

            driver.advanceTo(T0.plus(Duration.ofDays(8)));

            List<TestRecord<ScorecardGapKey, ScorecardGapEvent>> records = driver.gapRecords();
            assertThat(records).hasSize(3);
            assertThat(records.get(2).key()).isEqualTo(new ScorecardGapKey(Cdc.CUSTOMER, Cdc.PROFILE, "sc-1"));
            assertThat(records.get(2).value()).isNull();
        }
    }

    @Nested
    class Clocks {
        @Test
        void shouldOpenOnTimeByTheWallClockWhenLiveSourcesGoQuiet() {
            GapDriver live = driver(T0.plusSeconds(1));
            live.scorecard(Cdc.scorecard("sc-1").insert(T0));
            live.advanceWallClock(Duration.ofMinutes(4));
            assertThat(live.gapEvents()).isEmpty();

            live.advanceWallClock(Duration.ofMinutes(2));

            assertThat(live.gapEvents()).singleElement().satisfies(e -> {
                assertThat(e.getClock()).isEqualTo(DecisionClock.WALL_CLOCK);
                assertThat(e.getDetectedAt()).isEqualTo(at(5));
            });
        }

        @Test
        void shouldSendTheLastRollUpSumsOfALiveTaskThatGoesQuietByTheWallClock() {
            GapDriver live = driver(T0.plusSeconds(1));
            // the first change leaves with its record; the second waits for the next second of stream time,
            // which never comes: the sources go quiet
            live.scorecard(Cdc.scorecard("sc-1").insert(T0)).scorecard(Cdc.scorecard("sc-2").insert(T0.plusMillis(300)));
            live.advanceWallClock(Duration.ofSeconds(1)); // a punctuation: the sums leave
            live.advanceWallClock(Duration.ofMinutes(1)); // idle and past the emission interval: the bucket leaves

            assertThat(latest(live.rates(), T0, BucketSize.HOUR)).satisfies(r -> {
                assertThat(r.getUnsubmittedTotal()).isEqualTo(2);
                assertThat(r.getUnsubmittedMissing()).isZero();
            });
        }

        @Test
        void shouldNeverLetTheWallClockOvertakeAReplay() {
            driver.scorecard(Cdc.scorecard("sc-1").insert(T0)).historic(Cdc.historic("sc-1", "crit-1", at(4)));
            // the wall clock is a year ahead of the records: replaying, so only stream time counts
            driver.advanceWallClock(Duration.ofMinutes(10));
            driver.scorecard(Cdc.scorecard("sc-2").insert(at(1)));
            driver.advanceWallClock(Duration.ofMinutes(10));

            assertThat(driver.gapEvents()).isEmpty();
        }

        @Test
        void shouldFireTheLastTimersOfABoundedReplayOnceItsInputEnds() {
            // a backfill: the wall clock is a year ahead, and no record comes after the last ones to move stream time
            InputEnd inputEnd = new InputEnd(GapSettings.defaults().grace().plus(GapSettings.defaults().rateEmitInterval()));
            GapDriver replay = new GapDriver(GapSettings.defaults(), "gaps-bounded", REPLAY_WALL_CLOCK,
                    Map.of(InputEnd.CONFIG, inputEnd));
            drivers.add(replay);
            replay.scorecard(Cdc.scorecard("sc-1").insert(T0))
                    .scorecard(Cdc.scorecard("sc-2").insert(at(1))).historic(Cdc.historic("sc-2", "crit-1", at(2)));
            replay.advanceWallClock(Duration.ofMinutes(10));
            assertThat(replay.gapEvents()).as("before the end: stream time rules").isEmpty();

            inputEnd.signal();
            long signalled = System.currentTimeMillis();
            replay.advanceWallClock(Duration.ofSeconds(1)); // the scorecard task's punctuation: sc-1's grace expires
            replay.advanceWallClock(Duration.ofSeconds(1)); // the roll-up task's: the bucket is emitted

            assertThat(replay.gapEvents()).singleElement().satisfies(e -> {
                assertThat(e.getScorecardId()).isEqualTo("sc-1");
                assertThat(e.getDetectedAt()).isEqualTo(at(5));
            });
            assertThat(latest(replay.rates(), T0, BucketSize.HOUR)).satisfies(r -> {
                assertThat(r.getUnsubmittedTotal()).isEqualTo(2);
                assertThat(r.getUnsubmittedMissing()).isEqualTo(1);
            });
            assertThat(inputEnd.settledSince(signalled)).as("every processor reported no timer due").isTrue();
        }

        @Test
        void shouldProduceTheSameRecordsWhenReplayedUnderANewApplicationId() {
            GapDriver first = new GapDriver(GapSettings.defaults(), "gaps-run-1", REPLAY_WALL_CLOCK);
            GapDriver second = new GapDriver(GapSettings.defaults(), "gaps-run-2", REPLAY_WALL_CLOCK);
            drivers.add(first);
            drivers.add(second);
            List<Cdc.Change[]> script = mixedDay();
            script.forEach(step -> replay(first, step));
            script.forEach(step -> replay(second, step));

            assertThat(first.gapEvents()).hasSizeGreaterThan(10);
            assertThat(second.gapRecords()).usingRecursiveFieldByFieldElementComparator().isEqualTo(first.gapRecords());
            assertThat(second.rateRecords()).usingRecursiveFieldByFieldElementComparator().isEqualTo(first.rateRecords());
        }

        private void replay(GapDriver d, Cdc.Change[] step) {
            String table = new String(step[0].value(), StandardCharsets.UTF_8);
            if (table.contains("\"table\":\"scorecards\"")) {
                d.scorecard(step[0]);
            } else if (table.contains("\"table\":\"scores\"")) {
                d.score(step[0]);
            } else {
                d.historic(step[0]);
            }
        }

        /** A day of one tenant: healthy, late, lost, submitted-early and appeal scorecards, interleaved. */
        private List<Cdc.Change[]> mixedDay() {
            List<Cdc.Change[]> script = new ArrayList<>();
            java.util.Random random = new java.util.Random(42);
            for (int i = 0; i < 300; i++) {
                Instant created = T0.plusSeconds(i * 47L);
                Cdc.ScorecardBuilder scorecard = Cdc.scorecard("mix-" + i).type(i % 17 == 0 ? 2 : null);
                if (i % 11 == 0) {
                    scorecard.process();
                }
                script.add(new Cdc.Change[] {scorecard.insert(created)});
                script.add(new Cdc.Change[] {Cdc.score("mix-s-" + i, "mix-" + i, created)});
                int fate = random.nextInt(10);
                if (fate < 6) {
                    script.add(new Cdc.Change[] {Cdc.historic("mix-" + i, "crit-1", created.plusSeconds(2))});
                } else if (fate < 8) {
                    script.add(new Cdc.Change[] {Cdc.historic("mix-" + i, "crit-1", created.plus(Duration.ofMinutes(40)))});
                } else if (fate < 9) {
                    script.add(new Cdc.Change[] {scorecard.submittedAt(created.plusSeconds(60)).update(created.plusSeconds(60))});
                }
            }
            script.sort(java.util.Comparator.comparingLong(step -> timestamp(step[0])));
            script.add(new Cdc.Change[] {Cdc.historic("clock", "clock", "end", "c", T0.plus(Duration.ofDays(1)), false)});
            return script;
        }

        private long timestamp(Cdc.Change change) {
            try {
                return new com.fasterxml.jackson.databind.ObjectMapper().readTree(change.value()).get("source").get("ts_ms").asLong();
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Nested
    class Rates {
        @Test
        void shouldRollUpPerHourAndDayWithSubmittedUnsubmittedAndProcessScorecardsApart() {
            // hour 10: 2 unsubmitted (1 lost), 2 submitted (1 lost, a process scorecard); hour 11: 1 unsubmitted, lost
            driver.scorecard(Cdc.scorecard("u-ok").insert(at(1))).historic(Cdc.historic("u-ok", "c", at(2)))
                    .scorecard(Cdc.scorecard("u-lost").insert(at(3)))
                    .scorecard(Cdc.scorecard("s-ok").submittedAt(at(4)).insert(at(4))).historic(Cdc.historic("s-ok", "c", at(5)))
                    .scorecard(Cdc.scorecard("s-lost").process().submittedAt(at(6)).insert(at(6)))
                    .scorecard(Cdc.scorecard("appeal").type(1).insert(at(7)))
                    .scorecard(Cdc.scorecard("u-lost-11").insert(at(61)))
                    .advancePast(at(120));

            List<GapRate> rates = driver.rates();
            GapRate hour10 = latest(rates, T0, BucketSize.HOUR);
            assertThat(hour10).satisfies(r -> {
                assertThat(r.getUnsubmittedTotal()).isEqualTo(2);
                assertThat(r.getUnsubmittedMissing()).isEqualTo(1);
                assertThat(r.getUnsubmittedMissingPct()).isEqualTo(50.0);
                assertThat(r.getSubmittedTotal()).isEqualTo(2);
                assertThat(r.getSubmittedMissing()).isEqualTo(1);
                assertThat(r.getProcessTotal()).isEqualTo(1);
                assertThat(r.getProcessMissing()).isEqualTo(1);
                assertThat(r.getAlerting()).as("below the minimum volume").isFalse();
            });
            GapRate hour11 = latest(rates, at(60), BucketSize.HOUR);
            assertThat(hour11.getUnsubmittedTotal()).isEqualTo(1);
            assertThat(hour11.getUnsubmittedMissing()).isEqualTo(1);
            GapRate day = latest(rates, T0.truncatedTo(java.time.temporal.ChronoUnit.DAYS), BucketSize.DAY);
            assertThat(day.getUnsubmittedTotal()).isEqualTo(3);
            assertThat(day.getUnsubmittedMissing()).isEqualTo(2);
            assertThat(day.getSubmittedTotal()).isEqualTo(2);
            assertThat(day.getSubmittedMissing()).isEqualTo(1);
        }

        @Test
        void shouldEmitABusyBucketOncePerIntervalNotOncePerChange() {
            for (int i = 0; i < 500; i++) {
                Instant created = T0.plusMillis(i * 50L);
                driver.scorecard(Cdc.scorecard("b-" + i).insert(created)).historic(Cdc.historic("b-" + i, "c", created));
            }
            driver.advancePast(at(2));

            // 25 s of changes: the emission 30 s after the first, and one more with the sums still in flight then
            List<GapRate> hour = driver.rates().stream().filter(r -> r.getBucketSize() == BucketSize.HOUR).toList();
            assertThat(hour).hasSizeBetween(1, 2);
            assertThat(hour.get(hour.size() - 1).getUnsubmittedTotal()).isEqualTo(500);
            // 500 contribution changes left the scorecard task as one sum per tenant-hour and second of stream time
            List<?> sums = driver.driver.createOutputTopic("gaps-test-gaps-rate-counts-by-day-repartition",
                    new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                    new org.apache.kafka.common.serialization.ByteArrayDeserializer()).readValuesToList();
            assertThat(sums).hasSizeBetween(25, 30);
        }

        @Test
        void shouldAlertOnTheBatchHourThatLost27344Of27580ScorecardsAndResolveOnceBackfilled() {
            Instant hour = Instant.parse("2025-01-14T14:00:00Z");
            int total = 27_580;
            int kept = total - 27_344;
            for (int i = 0; i < total; i++) {
                Instant created = hour.plusMillis(i * 130L);
                driver.scorecard(Cdc.scorecard("batch-" + i).insert(created));
                if (i < kept) {
                    driver.historic(Cdc.historic("batch-" + i, "c", created.plusMillis(20)));
                }
            }
            // stream time moves on; the last gaps open 5 minutes after the hour
            for (int minute = 61; minute <= 70; minute++) {
                driver.advanceTo(hour.plus(Duration.ofMinutes(minute)));
            }

            GapRate raised = driver.rates().stream().filter(r -> r.getKind() == GapRateKind.ALERT_RAISED
                    && r.getBucketSize() == BucketSize.HOUR).findFirst().orElseThrow();
            assertThat(raised.getBucketStart()).isEqualTo(hour);
            assertThat(raised.getAlerting()).isTrue();
            GapRate hourNow = latest(driver.rates(), hour, BucketSize.HOUR);
            assertThat(hourNow.getUnsubmittedTotal()).isEqualTo(total);
            assertThat(hourNow.getUnsubmittedMissing()).isEqualTo(27_344);
            assertThat(hourNow.getUnsubmittedMissingPct()).isCloseTo(99.14, org.assertj.core.data.Offset.offset(0.01));
            assertThat(driver.rates()).anySatisfy(r -> {
                assertThat(r.getKind()).isEqualTo(GapRateKind.ALERT_RAISED);
                assertThat(r.getBucketSize()).isEqualTo(BucketSize.DAY);
            });
            assertThat(driver.gapEvents()).hasSize(27_344);

            // the backfill writes the missing historic rows a day later
            Instant backfill = hour.plus(Duration.ofDays(1));
            for (int i = kept; i < total; i++) {
                driver.historic(Cdc.historic("batch-" + i, "c", backfill.plusMillis(i)));
            }
            driver.advancePast(backfill.plus(Duration.ofMinutes(1)));

            // resolved once the missing rate fell below the threshold (the sums of the backfill's last moments
            // can follow in one more roll-up)
            assertThat(driver.rates()).filteredOn(r -> r.getBucketStart().equals(hour) && r.getBucketSize() == BucketSize.HOUR
                    && r.getKind() == GapRateKind.ALERT_RESOLVED).singleElement().satisfies(r -> assertThat(r.getAlerting()).isFalse());
            assertThat(latest(driver.rates(), hour, BucketSize.HOUR)).satisfies(r -> {
                assertThat(r.getAlerting()).isFalse();
                assertThat(r.getUnsubmittedMissing()).isZero();
            });
            assertThat(driver.gapEvents()).filteredOn(e -> e.getEventType() == GapEventType.RESOLVED).hasSize(27_344);
        }

        @Test
        void shouldStayQuietThroughHealthyMonths() {
            Instant july = Instant.parse("2024-07-01T00:00:00Z");
            java.util.Random random = new java.util.Random(7);
            for (int day = 0; day < 92; day++) {
                for (int i = 0; i < 30; i++) {
                    Instant created = july.plus(Duration.ofDays(day)).plus(Duration.ofMinutes(8 * 60 + i * 17L));
                    String id = "d" + day + "-" + i;
                    Cdc.ScorecardBuilder scorecard = Cdc.scorecard(id);
                    if (i % 3 == 0) {
                        scorecard.submittedAt(created.plusSeconds(30));
                    }
                    driver.scorecard(scorecard.insert(created))
                            // the async historic write: usually milliseconds, sometimes minutes, always within the grace
                            .historic(Cdc.historic(id, "c", created.plusMillis(random.nextInt(240_000))));
                }
            }
            driver.advanceTo(july.plus(Duration.ofDays(93)));

            assertThat(driver.gapEvents()).isEmpty();
            assertThat(driver.rates()).isNotEmpty().noneMatch(GapRate::getAlerting);
        }

        @Test
        void shouldNotAlertBelowTheMinimumVolumeOrBelowTheThreshold() {
            // 19 of 19 lost: below the minimum volume; the next day 19 of 400 lost (4.75 %): below 5 %
            for (int i = 0; i < 19; i++) {
                driver.scorecard(Cdc.scorecard("few-" + i).insert(T0.plusSeconds(i)));
            }
            Instant next = T0.plus(Duration.ofDays(1));
            for (int i = 0; i < 400; i++) {
                Instant created = next.plusSeconds(i);
                driver.scorecard(Cdc.scorecard("many-" + i).insert(created));
                if (i % 21 != 7) {
                    driver.historic(Cdc.historic("many-" + i, "c", created));
                }
            }
            driver.advancePast(next.plus(Duration.ofMinutes(30)));

            assertThat(latest(driver.rates(), T0, BucketSize.HOUR).getUnsubmittedMissing()).isEqualTo(19);
            assertThat(latest(driver.rates(), next, BucketSize.HOUR).getUnsubmittedMissingPct()).isEqualTo(4.75);
            assertThat(driver.rates()).noneMatch(GapRate::getAlerting);
        }
    }

    private static GapRate latest(List<GapRate> rates, Instant bucketStart, BucketSize size) {
        GapRate found = null;
        for (GapRate rate : rates) {
            if (rate.getBucketStart().equals(bucketStart) && rate.getBucketSize() == size) {
                found = rate;
            }
        }
        assertThat(found).as("a %s roll-up of %s", size, bucketStart).isNotNull();
        return found;
    }

    private static String header(TestRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
