package io.cdcsentinel.verify;

import static io.cdcsentinel.verify.VerifyFixtures.CUTOFFS;
import static io.cdcsentinel.verify.VerifyFixtures.DAY1;
import static io.cdcsentinel.verify.VerifyFixtures.POSITION_MS;
import static io.cdcsentinel.verify.VerifyFixtures.alert;
import static io.cdcsentinel.verify.VerifyFixtures.changedAt;
import static io.cdcsentinel.verify.VerifyFixtures.gap;
import static io.cdcsentinel.verify.VerifyFixtures.present;
import static io.cdcsentinel.verify.VerifyFixtures.window;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GapComparisonTest {

    private static VerifyReport compare(List<SourceScorecard> pg, List<OpenAlert> alerts) {
        Map<String, OpenAlert> open = new HashMap<>();
        alerts.forEach(a -> open.put(a.key(), a));
        VerifyReport report = new VerifyReport(window(), 20);
        GapComparison.compare(pg.iterator(), open, CUTOFFS, report);
        return report;
    }

    @Test
    void shouldMatchAnOpenAlertWithAGapOfTheRule() {
        VerifyReport report = compare(List.of(gap("c1", "s1", DAY1), present("c1", "s2", DAY1)), List.of(alert("c1", "s1", DAY1)));
        assertThat(report.gapTotals().expectedOpen()).isEqualTo(1);
        assertThat(report.gapTotals().open()).isEqualTo(1);
        assertThat(report.differences()).isZero();
    }

    @Test
    void shouldNameAMissingAlertForAGapPastItsGrace() {
        VerifyReport report = compare(List.of(gap("c1", "s1", DAY1)), List.of());
        assertThat(report.gapTotals().missingAlert()).isEqualTo(1);
        assertThat(report.gapTotals().expectedOpen()).isEqualTo(1);
        assertThat(report.listed()).singleElement().satisfies(d -> {
            assertThat(d.kind()).isEqualTo("missing alert");
            assertThat(d.id()).isEqualTo("s1");
        });
    }

    @Test
    void shouldCountAGapStillWithinItsGraceAsInFlight() {
        long created = (POSITION_MS - 60_000) / 1000; // one minute before the position, grace five minutes
        VerifyReport report = compare(List.of(gap("c1", "s1", created)), List.of());
        assertThat(report.gapTotals().inFlight()).isEqualTo(1);
        assertThat(report.differences()).isZero();
    }

    @Test
    void shouldNameAnExtraAlertWhenHistoricRowsExistAndWhenTheScorecardIsGone() {
        VerifyReport report = compare(List.of(present("c1", "s1", DAY1)), List.of(alert("c1", "s1", DAY1), alert("c1", "gone", DAY1)));
        assertThat(report.gapTotals().extraAlert()).isEqualTo(2);
        assertThat(report.gapTotals().open()).isEqualTo(2);
        assertThat(report.listed()).extracting(Difference::detail)
                .anySatisfy(d -> assertThat(d).contains("historic rows exist"))
                .anySatisfy(d -> assertThat(d).contains("no such scorecard"));
    }

    @Test
    void shouldCountAnAlertWhoseHistoricRowJustArrivedAsInFlight() {
        SourceScorecard resolvedJustNow = changedAt(present("c1", "s1", DAY1), POSITION_MS - 1_000);
        VerifyReport report = compare(List.of(resolvedJustNow), List.of(alert("c1", "s1", DAY1)));
        assertThat(report.gapTotals().inFlight()).isEqualTo(1);
        assertThat(report.differences()).isZero();
    }

    @Test
    void shouldIgnoreScorecardsThatAreNeitherGapsNorAlerted() {
        SourceScorecard appeal = new SourceScorecard("c1", "p1", "s1", false, false, false, false, DAY1, DAY1 * 1000, DAY1 * 1000);
        VerifyReport report = compare(List.of(appeal, present("c1", "s2", DAY1)), List.of());
        assertThat(report.gapDays()).isEmpty();
    }
}
