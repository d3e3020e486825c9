package io.cdcsentinel.topology.gaps;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcsentinel.avro.BucketSize;
import io.cdcsentinel.avro.GapEventType;
import io.cdcsentinel.avro.GapRate;
import io.cdcsentinel.avro.GapRateKey;
import io.cdcsentinel.avro.GapStage;
import io.cdcsentinel.avro.ScorecardGapEvent;
import io.cdcsentinel.testing.StackExtension;
import io.cdcsentinel.testing.StackFixture;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Invariant 2 (gap truth) on real servers: scorecards written into PostgreSQL by SQL as the API writes them,
 * captured by Debezium, through Kafka into the topology; at quiescence the open alerts are exactly what the
 * SQL rule of domain.md finds in PostgreSQL.
 */
@ExtendWith(StackExtension.class)
class HistoricGapIT {
    static final Duration GRACE = Duration.ofSeconds(10);

    /**
     * A grace of seconds, not minutes; two partitions per topic; the recommended production
     * {@code streams.max.task.idle} of 1 s. The wall-clock fallback waits for 5 s
     * without input: on this 2-core machine under load, one stream thread can leave the scorecard task
     * without input for a second or two while the score and historic rows of the same commits still sit in
     * the upstream tasks, and a fallback that engaged then would decide deadlines those rows belong before.
     */
    static Map<String, String> fastClocks() {
        return Map.of("gaps.grace", GRACE.toSeconds() + "s", "gaps.clock.idle.after", "5s",
                "gaps.punctuation.interval", "200ms", "gaps.rates.emit.interval", "1s", "kafka.topic.partitions", "2",
                "streams.commit.interval", "100ms", "streams.max.task.idle", "1s");
    }

    @Test
    void shouldRaiseExactlyTheGapsTheSqlRuleFindsInPostgres(StackFixture stack) throws Exception {
        ApiWorkload workload = ApiWorkload.plan(3_000, 0.30, 20250121L);
        try (GapPipeline pipeline = new GapPipeline(stack.config(fastClocks())); Connection sql = pipeline.connect()) {
            pipeline.createOutputTopics().startCdc().startTopology();
            workload.writeChats(sql);
            workload.writeCreations(sql);
            ApiWorkload.awaitGraceExpiry(sql, GRACE);
            workload.writeLateChanges(sql);
            ApiWorkload.writeClockTick(sql, "tick-1");

            Set<String> oracle = ApiWorkload.missingFromHistoric(sql, GRACE);
            assertThat(oracle).as("the scenario loses about 30 %% of ~2,600 eligible scorecards").hasSizeBetween(550, 900);
            Awaitility.await("open alerts = the SQL rule").atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(3))
                    .untilAsserted(() -> assertThat(pipeline.openAlerts()).isEqualTo(oracle));

            List<ScorecardGapEvent> events = pipeline.gapRecords().stream().map(ConsumerRecord::value)
                    .filter(java.util.Objects::nonNull).toList();
            assertThat(events).as("submitted before the creation's historic write, which never came")
                    .anySatisfy(e -> {
                        assertThat(e.getEventType()).isEqualTo(GapEventType.OPENED);
                        assertThat(e.getStage()).isEqualTo(GapStage.AFTER_SUBMIT);
                    });
            assertThat(events).as("backfilled after the grace").anyMatch(e -> e.getEventType() == GapEventType.RESOLVED);
            assertThat(events).as("deleted while open").anySatisfy(e -> {
                assertThat(e.getEventType()).isEqualTo(GapEventType.WITHDRAWN);
                assertThat(e.getWithdrawReason()).isIn("SOFT_DELETED", "DELETED");
            });
            assertThat(events).as("process scorecards are watched and flagged")
                    .anyMatch(e -> e.getProcessScorecard() && e.getEventType() == GapEventType.OPENED);
            assertThat(events).filteredOn(e -> e.getEventType() == GapEventType.RESOLVED)
                    .allSatisfy(e -> assertThat(e.getDirectorScoreCount()).isEqualTo(ApiWorkload.SCORES_PER_SCORECARD));
            Set<String> lostOrLate = workload.plans().stream().filter(p -> p.historic() != ApiWorkload.Historic.WRITTEN)
                    .map(p -> p.id()).collect(java.util.stream.Collectors.toSet());
            assertThat(events).as("no false alarm: only scorecards whose historic write was lost or late open")
                    .filteredOn(e -> e.getEventType() == GapEventType.OPENED)
                    .allSatisfy(e -> assertThat(lostOrLate).contains(e.getScorecardId()));
            assertThat(pipeline.rawRecords(pipeline.topics.deadLetters())).as("dead letters").isEmpty();

            assertRollUpsMatchPostgres(pipeline, sql);
        }
    }

    /** Per tenant, the day buckets add up to the eligible and missing counts PostgreSQL has. */
    static void assertRollUpsMatchPostgres(GapPipeline pipeline, Connection sql) throws Exception {
        Map<String, long[]> expected = new HashMap<>();
        try (PreparedStatement query = sql.prepareStatement(ApiWorkload.ELIGIBLE_BY_TENANT); ResultSet rows = query.executeQuery()) {
            while (rows.next()) {
                long[] counts = expected.computeIfAbsent(rows.getString(1) + "/" + rows.getString(2), k -> new long[4]);
                int offset = rows.getBoolean(3) ? 0 : 2;
                counts[offset] += rows.getLong(4);
                counts[offset + 1] += rows.getLong(5);
            }
        }
        expected.remove("clock/clock");
        Awaitility.await("roll-ups = PostgreSQL").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(2))
                .untilAsserted(() -> {
                    Map<String, long[]> actual = new HashMap<>();
                    for (Map.Entry<GapRateKey, GapRate> bucket : pipeline.latestRates().entrySet()) {
                        if (bucket.getKey().getBucketSize() != BucketSize.DAY) {
                            continue;
                        }
                        GapRate rate = bucket.getValue();
                        long[] counts = actual.computeIfAbsent(rate.getCustomer() + "/" + rate.getProfile(), k -> new long[4]);
                        counts[0] += rate.getSubmittedTotal();
                        counts[1] += rate.getSubmittedMissing();
                        counts[2] += rate.getUnsubmittedTotal();
                        counts[3] += rate.getUnsubmittedMissing();
                    }
                    assertThat(actual).hasSameSizeAs(expected);
                    expected.forEach((tenant, counts) -> assertThat(actual.get(tenant)).as(tenant).containsExactly(counts));
                });
        assertThat(pipeline.latestRates().values()).as("a 30 %% loss alerts").anyMatch(GapRate::getAlerting);
    }

    /**
     * Invariant 5 under exactly_once_v2 with a real broker (the test driver cannot show the deserialization
     * handler's dead letters under EOS): an unparsable envelope and a row without its key columns land in
     * the dead-letter topic with their coordinates, and the next change is processed, here raising a gap
     * on time by the wall-clock fallback of a live, idle task.
     */
    @Test
    void shouldSendBadRecordsToTheDeadLetterTopicUnderExactlyOnceAndKeepGoing(StackFixture stack) {
        try (GapPipeline pipeline = new GapPipeline(stack.config(fastClocks()));
                KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pipeline.kafka.clientConfig(),
                        new ByteArraySerializer(), new ByteArraySerializer())) {
            pipeline.createOutputTopics();
            io.cdcsentinel.cdc.CdcTopics.createMissing(pipeline.kafka, pipeline.topics.cdcTopics().stream()
                    .map(t -> new org.apache.kafka.clients.admin.NewTopic(t, java.util.Optional.of(2), java.util.Optional.empty()))
                    .toList());
            pipeline.startTopology();
            Instant now = Instant.now();
            Cdc.Change keyless = Cdc.envelope(Cdc.Table.HISTORIC, "c", null,
                    new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("customer_id", "acme")
                            .put("scorecard_id", "sc-9").put("criterion_id", "c"), now, false);
            byte[] unparsable = "{\"op\":\"c\",\"after\":".getBytes(StandardCharsets.UTF_8);
            producer.send(new ProducerRecord<>(pipeline.topics.scorecards(), "bad".getBytes(StandardCharsets.UTF_8), unparsable));
            producer.send(new ProducerRecord<>(pipeline.topics.historicScores(), keyless.key(), keyless.value()));
            Cdc.Change good = Cdc.scorecard("sc-live").insert(now);
            producer.send(new ProducerRecord<>(pipeline.topics.scorecards(), good.key(), good.value()));
            producer.flush();

            Awaitility.await("two dead letters").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(pipeline.rawRecords(pipeline.topics.deadLetters())).hasSize(2));
            List<ConsumerRecord<byte[], byte[]>> dead = pipeline.rawRecords(pipeline.topics.deadLetters());
            assertThat(dead).extracting(r -> header(r, "__streams.errors.topic"))
                    .containsExactlyInAnyOrder(pipeline.topics.scorecards(), pipeline.topics.historicScores());
            assertThat(dead).extracting(ConsumerRecord::value).containsExactlyInAnyOrder(unparsable, keyless.value());
            assertThat(dead).allSatisfy(r -> {
                assertThat(header(r, "__streams.errors.partition")).isNotNull();
                assertThat(header(r, "__streams.errors.offset")).isNotNull();
            });

            Awaitility.await("the live gap, on time").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(pipeline.openAlerts()).containsExactly("acme/support/sc-live"));
            ScorecardGapEvent opened = pipeline.latestGapEvents().values().iterator().next();
            assertThat(opened.getClock()).isEqualTo(io.cdcsentinel.avro.DecisionClock.WALL_CLOCK);
            assertThat(opened.getDetectedAt()).isEqualTo(now.truncatedTo(java.time.temporal.ChronoUnit.MILLIS).plus(GRACE));
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
