package io.cdcsentinel.alerts;

import static io.cdcsentinel.alerts.AlertBuilders.T0;
import static io.cdcsentinel.alerts.AlertBuilders.alerting;
import static io.cdcsentinel.alerts.AlertBuilders.gap;
import static io.cdcsentinel.alerts.AlertBuilders.key;
import static io.cdcsentinel.alerts.AlertBuilders.rate;
import static io.cdcsentinel.alerts.AlertBuilders.record;
import static io.cdcsentinel.alerts.AlertBuilders.tombstone;
import static org.assertj.core.api.Assertions.assertThat;

import io.cdcsentinel.avro.BucketSize;
import io.cdcsentinel.avro.GapEventType;
import io.cdcsentinel.avro.GapRate;
import io.cdcsentinel.avro.GapRateKind;
import io.cdcsentinel.avro.ScorecardGapEvent;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AlertStateTest {
    private final AlertState state = new AlertState();

    @Test
    void shouldListAGapAsOpenOnlyWhileItsLatestEventIsOpened() {
        ScorecardGapEvent opened = gap("acme", "p1", "sc-1").build();
        state.apply(record(opened));
        assertThat(state.openGaps()).containsExactly(opened);

        state.apply(record(gap("acme", "p1", "sc-1").setEventType(GapEventType.RESOLVED).setHistoricRowCount(2).build()));

        assertThat(state.openGaps()).isEmpty();
        assertThat(state.count(GapEventType.RESOLVED)).isEqualTo(1);
    }

    @Test
    void shouldReopenAGapWhoseLatestEventIsOpenedAgain() {
        state.apply(record(gap("acme", "p1", "sc-1").build()));
        state.apply(record(gap("acme", "p1", "sc-1").setEventType(GapEventType.WITHDRAWN).build()));
        ScorecardGapEvent again = gap("acme", "p1", "sc-1").setStage(io.cdcsentinel.avro.GapStage.AFTER_SUBMIT).build();
        state.apply(record(again));

        assertThat(state.openGaps()).containsExactly(again);
    }

    @Test
    void shouldForgetAKeyOnATombstone() {
        ScorecardGapEvent opened = gap("acme", "p1", "sc-1").build();
        state.apply(record(opened));
        state.apply(tombstone(key(opened)));

        assertThat(state.openGaps()).isEmpty();
        assertThat(state.scorecards()).isZero();
    }

    @Test
    void shouldSortOpenGapsByCustomerProfileAndCreationTime() {
        ScorecardGapEvent late = gap("beta", "p1", "sc-9").setCreatedAt(T0.plusSeconds(10)).build();
        ScorecardGapEvent early = gap("beta", "p1", "sc-8").setCreatedAt(T0).build();
        ScorecardGapEvent otherProfile = gap("acme", "p2", "sc-1").build();
        ScorecardGapEvent first = gap("acme", "p1", "sc-2").build();
        for (ScorecardGapEvent e : new ScorecardGapEvent[] {late, early, otherProfile, first}) {
            state.apply(record(e));
        }

        assertThat(state.openGaps()).containsExactly(first, otherProfile, early, late);
    }

    @Test
    void shouldFilterByAnyOfTheCustomersAndByProfile() {
        ScorecardGapEvent a1 = gap("acme", "p1", "sc-1").build();
        ScorecardGapEvent a2 = gap("acme", "p2", "sc-2").build();
        ScorecardGapEvent b1 = gap("beta", "p1", "sc-3").build();
        ScorecardGapEvent c1 = gap("cola", "p1", "sc-4").build();
        for (ScorecardGapEvent e : new ScorecardGapEvent[] {a1, a2, b1, c1}) {
            state.apply(record(e));
        }

        assertThat(state.openGaps(new AlertFilter(Set.of("acme", "beta"), Optional.empty()))).containsExactly(a1, a2, b1);
        assertThat(state.openGaps(new AlertFilter(Set.of("acme"), Optional.of("p2")))).containsExactly(a2);
        assertThat(state.openGaps(new AlertFilter(Set.of(), Optional.of("p1")))).containsExactly(a1, b1, c1);
        assertThat(state.openGaps(new AlertFilter(Set.of("nobody"), Optional.empty()))).isEmpty();
    }

    @Test
    void shouldShowABucketAsAlertingOnlyWhileItsLatestRollUpAlerts() {
        GapRate raised = alerting(rate("acme", "p1", T0, BucketSize.HOUR), GapRateKind.ALERT_RAISED, 8);
        GapRate quiet = rate("acme", "p1", T0, BucketSize.DAY).build();
        state.apply(record(raised));
        state.apply(record(quiet));

        assertThat(state.rates(AlertFilter.ALL, false)).containsExactly(raised);
        assertThat(state.rates(AlertFilter.ALL, true)).containsExactly(raised, quiet);

        GapRate resolved = alerting(rate("acme", "p1", T0, BucketSize.HOUR), GapRateKind.ALERT_RESOLVED, 0);
        state.apply(record(resolved));

        assertThat(state.alertingBuckets()).isEmpty();
        assertThat(state.rates(AlertFilter.ALL, true)).containsExactly(resolved, quiet);
        assertThat(state.buckets()).isEqualTo(2);
    }

    @Test
    void shouldFilterRatesByCustomer() {
        GapRate acme = alerting(rate("acme", "p1", T0, BucketSize.HOUR), GapRateKind.ALERT_RAISED, 8);
        GapRate beta = alerting(rate("beta", "p1", T0, BucketSize.HOUR), GapRateKind.ALERT_RAISED, 8);
        state.apply(record(acme));
        state.apply(record(beta));

        assertThat(state.rates(new AlertFilter(Set.of("beta"), Optional.empty()), false)).containsExactly(beta);
    }
}
