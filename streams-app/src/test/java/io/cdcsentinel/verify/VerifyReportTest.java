package io.cdcsentinel.verify;

import static io.cdcsentinel.verify.VerifyFixtures.CUTOFFS;
import static io.cdcsentinel.verify.VerifyFixtures.DAY1;
import static io.cdcsentinel.verify.VerifyFixtures.expected;
import static io.cdcsentinel.verify.VerifyFixtures.found;
import static io.cdcsentinel.verify.VerifyFixtures.gap;
import static io.cdcsentinel.verify.VerifyFixtures.label;
import static io.cdcsentinel.verify.VerifyFixtures.window;
import static io.cdcsentinel.verify.VerifyFixtures.withAgent;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.Test;

class VerifyReportTest {

    private static VerifyReport report() {
        VerifyReport report = new VerifyReport(window(), 20);
        LabelRow a = label("customer-01", "conv-a", DAY1);
        LabelRow b = label("customer-01", "conv-b", DAY1);
        LabelComparison.merge(List.of(expected(a), expected(b)).iterator(), List.of(found(withAgent(a, "agent-9"))).iterator(),
                CUTOFFS, report);
        GapComparison.compare(List.of(gap("customer-02", "sc-1", DAY1)).iterator(), new HashMap<>(), CUTOFFS, report);
        report.position(PipelinePosition.at(Instant.parse("2026-01-06T12:00:00Z")));
        return report;
    }

    @Test
    void shouldPrintOneRowPerCustomerAndDayATotalAndTheDifferingFields() {
        String text = report().text();
        assertThat(text).contains("verify: window [2026-01-05T00:00:00Z, 2026-01-07T00:00:00Z) by created_at, customers: all");
        assertThat(text).containsPattern("customer-01\\s+2026-01-05\\s+2\\s+1\\s+1\\s+0\\s+1\\s+0");
        assertThat(text).containsPattern("total\\s+2\\s+1\\s+1\\s+0\\s+1\\s+0");
        assertThat(text).containsPattern("customer-02\\s+2026-01-05\\s+1\\s+0\\s+1\\s+0\\s+0");
        assertThat(text).contains("labels stale customer-01/p1/conv-a (day 2026-01-05)")
                .contains("agent_user_id postgres=agent-1 clickhouse=agent-9");
        assertThat(text).contains("labels missing customer-01/p1/conv-b");
        assertThat(text).contains("gaps missing alert customer-02/p1/sc-1");
        assertThat(text).contains("verify: 3 difference(s) (labels: 1 missing, 0 extra, 1 stale; gaps: 1 missing alert, 0 extra alert)")
                .contains("-> exit 1");
    }

    @Test
    void shouldWriteOneJsonDocumentWithTheSameCounts() throws Exception {
        JsonNode json = new ObjectMapper().readTree(report().json());
        assertThat(json.at("/window/from").asText()).isEqualTo("2026-01-05T00:00:00Z");
        assertThat(json.at("/labels/total/missing").asLong()).isEqualTo(1);
        assertThat(json.at("/labels/total/stale").asLong()).isEqualTo(1);
        assertThat(json.at("/labels/days/0/customer").asText()).isEqualTo("customer-01");
        assertThat(json.at("/gaps/total/missing_alert").asLong()).isEqualTo(1);
        assertThat(json.at("/differences").size()).isEqualTo(3);
        assertThat(json.at("/differences/0/fields/0/field").asText()).isEqualTo("agent_user_id");
        assertThat(json.at("/difference_count").asLong()).isEqualTo(3);
        assertThat(json.at("/exit_code").asInt()).isEqualTo(1);
        assertThat(json.at("/position/labels_up_to").asText()).isEqualTo("2026-01-06T12:00:00Z");
    }

    @Test
    void shouldExitZeroOnAnEmptyWindow() {
        VerifyReport empty = new VerifyReport(window(), 20);
        assertThat(empty.exitCode()).isZero();
        assertThat(empty.text()).contains("(nothing in the window)").contains("-> exit 0");
    }
}
