package io.cdcsentinel.verify;

import static io.cdcsentinel.verify.VerifyFixtures.CUTOFFS;
import static io.cdcsentinel.verify.VerifyFixtures.DAY1;
import static io.cdcsentinel.verify.VerifyFixtures.DAY2;
import static io.cdcsentinel.verify.VerifyFixtures.POSITION_MS;
import static io.cdcsentinel.verify.VerifyFixtures.expected;
import static io.cdcsentinel.verify.VerifyFixtures.expectedChangedAt;
import static io.cdcsentinel.verify.VerifyFixtures.found;
import static io.cdcsentinel.verify.VerifyFixtures.label;
import static io.cdcsentinel.verify.VerifyFixtures.open;
import static io.cdcsentinel.verify.VerifyFixtures.window;
import static io.cdcsentinel.verify.VerifyFixtures.withAgent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class LabelComparisonTest {

    private static VerifyReport merge(List<ExpectedLabel> pg, List<FoundLabel> ch) {
        VerifyReport report = new VerifyReport(window(), 20);
        LabelComparison.merge(pg.iterator(), ch.iterator(), CUTOFFS, report);
        return report;
    }

    @Test
    void shouldFindNoDifferenceWhenBothSidesHoldTheSameLabels() {
        LabelRow a = label("c1", "conv-a", DAY1);
        LabelRow b = label("c1", "conv-b", DAY2);
        VerifyReport report = merge(List.of(expected(a), expected(b)), List.of(found(a), found(b)));
        assertThat(report.differences()).isZero();
        assertThat(report.exitCode()).isZero();
        assertThat(report.labelTotals().expected()).isEqualTo(2);
        assertThat(report.labelTotals().found()).isEqualTo(2);
        assertThat(report.labelDays()).hasSize(2);
    }

    @Test
    void shouldClassifyMissingExtraAndStalePerCustomerAndDay() {
        LabelRow missing = label("c1", "conv-a", DAY1);
        LabelRow stale = label("c1", "conv-b", DAY1);
        LabelRow extra = label("c2", "conv-c", DAY2);
        VerifyReport report = merge(List.of(expected(missing), expected(stale)),
                List.of(found(withAgent(stale, "agent-2")), found(extra)));

        VerifyReport.LabelCounts c1 = report.labelDays().get(new VerifyReport.Day("c1", LocalDate.parse("2026-01-05")));
        assertThat(c1.expected()).isEqualTo(2);
        assertThat(c1.found()).isEqualTo(1);
        assertThat(c1.missing()).isEqualTo(1);
        assertThat(c1.stale()).isEqualTo(1);
        VerifyReport.LabelCounts c2 = report.labelDays().get(new VerifyReport.Day("c2", LocalDate.parse("2026-01-06")));
        assertThat(c2.extra()).isEqualTo(1);
        assertThat(c2.expected()).isZero();
        assertThat(report.differences()).isEqualTo(3);
        assertThat(report.exitCode()).isEqualTo(1);
        Difference staleDiff = report.listed().stream().filter(d -> d.kind().equals("stale")).findFirst().orElseThrow();
        assertThat(staleDiff.fields()).containsExactly(new LabelRow.FieldDiff("agent_user_id", "agent-1", "agent-2"));
        assertThat(report.listed()).extracting(Difference::kind).containsExactly("missing", "stale", "extra");
    }

    @Test
    void shouldReportAChangeAfterThePositionMinusTheSettleWindowAsInFlightNotAsADifference() {
        LabelRow changed = label("c1", "conv-a", DAY2);
        // changed 20 s before the position: inside settle (30 s) + margin (10 s)
        VerifyReport report = merge(List.of(expectedChangedAt(changed, POSITION_MS - 20_000)),
                List.of(found(withAgent(changed, "agent-old"))));
        assertThat(report.differences()).isZero();
        assertThat(report.labelTotals().inFlight()).isEqualTo(1);
        assertThat(report.exitCode()).isZero();
    }

    @Test
    void shouldReportAStaleRowChangedBeforeTheCutoffAsStale() {
        LabelRow changed = label("c1", "conv-a", DAY2);
        VerifyReport report = merge(List.of(expectedChangedAt(changed, POSITION_MS - 41_000)),
                List.of(found(withAgent(changed, "agent-old"))));
        assertThat(report.labelTotals().stale()).isEqualTo(1);
        assertThat(report.labelTotals().inFlight()).isZero();
    }

    @Test
    void shouldReportAMissingLabelOfARecentlyEndedConversationAsInFlight() {
        LabelRow ended = label("c1", "conv-a", DAY2);
        VerifyReport report = merge(List.of(expectedChangedAt(ended, POSITION_MS - 1_000)), List.of());
        assertThat(report.labelTotals().expected()).isEqualTo(1);
        assertThat(report.labelTotals().missing()).isZero();
        assertThat(report.labelTotals().inFlight()).isEqualTo(1);
    }

    @Test
    void shouldNotExpectALabelForAnOpenConversationAndCountAReopenedOneAsInFlight() {
        LabelRow neverEnded = open(label("c1", "conv-a", DAY1));
        LabelRow reopened = label("c1", "conv-b", DAY1);
        VerifyReport report = merge(List.of(expected(neverEnded), expected(open(reopened))), List.of(found(reopened)));
        assertThat(report.labelTotals().expected()).isZero();
        assertThat(report.labelTotals().found()).isEqualTo(1);
        assertThat(report.labelTotals().inFlight()).isEqualTo(1);
        assertThat(report.differences()).isZero();
    }

    @Test
    void shouldCapTheListedRowsButCountEveryDifference() {
        List<ExpectedLabel> pg = new ArrayList<>();
        LongStream.range(0, 100).forEach(i -> pg.add(expected(label("c1", String.format("conv-%03d", i), DAY1))));
        VerifyReport report = new VerifyReport(window(), 5);
        LabelComparison.merge(pg.iterator(), List.<FoundLabel>of().iterator(), CUTOFFS, report);
        assertThat(report.labelTotals().missing()).isEqualTo(100);
        assertThat(report.listed()).hasSize(5);
        assertThat(report.text()).contains("first 5 of 100 differences:");
    }

    @Test
    void shouldMergeAMillionConversationsAsStreamsWithoutHoldingThem() {
        int n = 1_000_000;
        Iterator<ExpectedLabel> pg = LongStream.range(0, n)
                .mapToObj(i -> expected(label("c1", String.format("conv-%07d", i), DAY1))).iterator();
        Iterator<FoundLabel> ch = LongStream.range(0, n).filter(i -> i != 500_000)
                .mapToObj(i -> found(label("c1", String.format("conv-%07d", i), DAY1))).iterator();
        VerifyReport report = new VerifyReport(window(), 20);
        LabelComparison.merge(pg, ch, CUTOFFS, report);
        assertThat(report.labelTotals().expected()).isEqualTo(n);
        assertThat(report.labelTotals().missing()).isEqualTo(1);
        assertThat(report.listed().get(0).id()).isEqualTo("conv-0500000");
    }

    @Test
    void shouldRefuseInputThatIsNotInKeyOrder() {
        LabelRow a = label("c1", "conv-b", DAY1);
        LabelRow b = label("c1", "conv-a", DAY1);
        assertThatThrownBy(() -> merge(List.of(expected(a), expected(b)), List.of()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not in strictly increasing key order");
    }

    @Test
    void shouldOrderKeysByCodePointLikePostgresCollateCAndClickHouse() {
        // U+FF5E (BMP, above the surrogates) sorts before U+1F600 in UTF-8 / code points, after it in UTF-16 units
        String bmp = "a\uFF5E";
        String astral = "a\uD83D\uDE00";
        assertThat(KeyOrder.compare(bmp, astral)).isNegative();
        assertThat(bmp.compareTo(astral)).isPositive();
        assertThat(KeyOrder.compare("ab", "abc")).isNegative();
        assertThat(KeyOrder.compare("abc", "abc")).isZero();
    }
}
