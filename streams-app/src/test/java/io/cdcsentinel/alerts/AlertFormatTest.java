package io.cdcsentinel.alerts;

import static io.cdcsentinel.alerts.AlertBuilders.T0;
import static io.cdcsentinel.alerts.AlertBuilders.alerting;
import static io.cdcsentinel.alerts.AlertBuilders.gap;
import static io.cdcsentinel.alerts.AlertBuilders.rate;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cdcsentinel.avro.BucketSize;
import io.cdcsentinel.avro.GapEventType;
import io.cdcsentinel.avro.GapRate;
import io.cdcsentinel.avro.GapRateKind;
import io.cdcsentinel.avro.ScorecardGapEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

class AlertFormatTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldPrintOpenGapsAsATableWithTheEligibilityInputsAndACountPerCustomerAndProfile() {
        List<ScorecardGapEvent> gaps = List.of(
                gap("acme", "p1", "sc-1").build(),
                gap("acme", "p1", "sc-2").setConversationId(null).setProcessScorecard(true).setConversationExists(false)
                        .setConversationEnded(false).setSubmittedAt(null).setTemplateId(null).setCreatedAt(T0.plusMillis(1500)).build(),
                gap("beta", "p9", "sc-3").setConversationEnded(false).setScorecardType(0).build());

        List<String> lines = AlertFormat.gapTable(gaps);

        assertThat(lines).containsExactly(
                "customer  profile  scorecard  template  conversation  conv    created               submitted             scores  stage         detected              process  type  calibrated  deleted",
                "acme      p1       sc-1       tpl-1     conv-sc-1     ended   2026-12-07T05:00:00Z  2026-12-07T05:01:00Z  3       AFTER_CREATE  2026-12-07T05:05:00Z  no       -     -           no",
                "acme      p1       sc-2       -         -             -       2026-12-07T05:00:01Z  -                     3       AFTER_CREATE  2026-12-07T05:05:00Z  yes      -     -           no",
                "beta      p9       sc-3       tpl-1     conv-sc-3     exists  2026-12-07T05:00:00Z  2026-12-07T05:01:00Z  3       AFTER_CREATE  2026-12-07T05:05:00Z  no       0     -           no",
                "",
                "customer  profile  open",
                "acme      p1       2",
                "beta      p9       1",
                "3 open gaps in 2 customer/profiles");
    }

    @Test
    void shouldSayWhenNothingIsOpen() {
        assertThat(AlertFormat.gapTable(List.of())).containsExactly("no open gaps");
        assertThat(AlertFormat.rateTable(List.of(), "alerting buckets")).containsExactly("no alerting buckets");
    }

    @Test
    void shouldNameAConversationThatDoesNotExist() {
        ScorecardGapEvent missing = gap("acme", "p1", "sc-1").setConversationExists(false).setConversationEnded(false).build();

        assertThat(AlertFormat.conversationState(missing)).isEqualTo("missing");
    }

    @Test
    void shouldPrintRatesAsATable() {
        GapRate raised = alerting(rate("acme", "p1", T0, BucketSize.HOUR), GapRateKind.ALERT_RAISED, 8);

        assertThat(AlertFormat.rateTable(List.of(raised), "alerting buckets")).containsExactly(
                "customer  profile  bucket                size  kind          alerting  submitted  sub %  unsubmitted  unsub %  process  threshold      updated",
                "acme      p1       2026-12-07T05:00:00Z  HOUR  ALERT_RAISED  yes       8/40       20.0%  0/10         0.0%     0/2      5.0% of >= 20  2026-12-07T05:10:00Z",
                "1 alerting bucket");
    }

    @Test
    void shouldWriteEveryFieldOfAGapEventAsOneJsonObjectUnderItsAvroName() throws Exception {
        ScorecardGapEvent event = gap("acme", "p1", "sc-1").setEventType(GapEventType.WITHDRAWN).setWithdrawReason("APPEAL")
                .setOpenMillis(42_000L).setScorecardType(2).build();

        String line = AlertFormat.json(event);

        assertThat(line).doesNotContain("\n");
        JsonNode node = JSON.readTree(line);
        assertThat(node.get("record").asText()).isEqualTo("gap");
        assertThat(node.get("event_type").asText()).isEqualTo("WITHDRAWN");
        assertThat(node.get("customer").asText()).isEqualTo("acme");
        assertThat(node.get("scorecard_id").asText()).isEqualTo("sc-1");
        assertThat(node.get("conversation_id").asText()).isEqualTo("conv-sc-1");
        assertThat(node.get("conversation_exists").asBoolean()).isTrue();
        assertThat(node.get("conversation_ended").asBoolean()).isTrue();
        assertThat(node.get("scorecard_type").asInt()).isEqualTo(2);
        assertThat(node.get("calibrated_scorecard_id").isNull()).isTrue();
        assertThat(node.get("created_at").asText()).isEqualTo("2026-12-07T05:00:00Z");
        assertThat(node.get("detected_at").asText()).isEqualTo("2026-12-07T05:05:00Z");
        assertThat(node.get("director_score_count").asInt()).isEqualTo(3);
        assertThat(node.get("open_millis").asLong()).isEqualTo(42_000L);
        assertThat(node.get("withdraw_reason").asText()).isEqualTo("APPEAL");
        assertThat(node.get("source_lsn").asLong()).isEqualTo(1234L);
        assertThat(node.size()).isEqualTo(ScorecardGapEvent.getClassSchema().getFields().size() + 1);
    }

    @Test
    void shouldWriteARateAsOneJsonObject() throws Exception {
        GapRate raised = alerting(rate("acme", "p1", T0, BucketSize.DAY), GapRateKind.ALERT_RAISED, 8);

        JsonNode node = JSON.readTree(AlertFormat.json(raised));

        assertThat(node.get("record").asText()).isEqualTo("rate");
        assertThat(node.get("bucket_start").asText()).isEqualTo("2026-12-07T05:00:00Z");
        assertThat(node.get("bucket_size").asText()).isEqualTo("DAY");
        assertThat(node.get("kind").asText()).isEqualTo("ALERT_RAISED");
        assertThat(node.get("alerting").asBoolean()).isTrue();
        assertThat(node.get("submitted_missing_pct").asDouble()).isEqualTo(20.0);
        assertThat(node.get("min_volume").asLong()).isEqualTo(20);
        assertThat(node.size()).isEqualTo(GapRate.getClassSchema().getFields().size() + 1);
    }

    @Test
    void shouldPrintOneLinePerFollowedRecord() {
        ScorecardGapEvent resolved = gap("acme", "p1", "sc-1").setEventType(GapEventType.RESOLVED).setOpenMillis(61_000L)
                .setDecidedAt(T0.plusSeconds(400)).build();
        GapRate raised = alerting(rate("acme", "p1", T0, BucketSize.HOUR), GapRateKind.ALERT_RAISED, 8);

        assertThat(AlertFormat.gapLine(resolved)).isEqualTo("2026-12-07T05:06:40Z RESOLVED  acme/p1 scorecard sc-1 template tpl-1"
                + " conversation conv-sc-1 (ended) created 2026-12-07T05:00:00Z submitted 2026-12-07T05:01:00Z scores 3"
                + " stage AFTER_CREATE detected 2026-12-07T05:05:00Z open 61 s");
        assertThat(AlertFormat.rateLine(raised)).isEqualTo("2026-12-07T05:10:00Z RAISED    acme/p1 HOUR bucket"
                + " 2026-12-07T05:00:00Z: submitted 8/40 missing (20.0%), unsubmitted 0/10 (0.0%), process 0/2, threshold 5.0% of >= 20");
    }
}
