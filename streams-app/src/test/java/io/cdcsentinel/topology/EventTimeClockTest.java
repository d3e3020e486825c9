package io.cdcsentinel.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class EventTimeClockTest {
    private final EventTimeClock clock = new EventTimeClock(Duration.ofSeconds(2), Duration.ofSeconds(10));

    @Test
    void shouldFollowStreamTimeWhileRecordsFlow() {
        clock.onRecord(1_000, 1_500);
        clock.onRecord(900, 1_600);
        assertThat(clock.now(1_700)).isEqualTo(1_000);
    }

    @Test
    void shouldAdvanceWithWallClockWhenLiveAndIdle() {
        clock.onRecord(100_000, 100_500);
        assertThat(clock.now(101_000)).isEqualTo(100_000);
        assertThat(clock.now(103_500)).isEqualTo(103_000);
        assertThat(clock.isWallClockDriven(103_500)).isTrue();
    }

    @Test
    void shouldNeverLetWallClockOvertakeAReplay() {
        // the last record is an hour old: we are replaying a backlog, not live
        clock.onRecord(1_000, 3_601_000);
        assertThat(clock.now(3_700_000)).isEqualTo(1_000);
    }

    @Test
    void shouldStandTheHorizonAheadOfStreamTimeOnceABoundedInputEnds() {
        InputEnd end = new InputEnd(Duration.ofMinutes(5));
        clock.bound(end);
        clock.onRecord(1_000, 3_601_000); // a replay: the wall clock would never move it
        assertThat(clock.now(3_700_000)).isEqualTo(1_000);

        end.signal();

        assertThat(clock.now(3_700_000)).isEqualTo(301_000);
        assertThat(clock.isWallClockDriven(3_700_000)).isTrue();
    }

    @Test
    void shouldReportNothingBeforeTheFirstRecord() {
        assertThat(clock.now(5_000)).isEqualTo(-1);
    }

    @Test
    void shouldResumeALiveClockAfterARestartOnceIdleSinceTheRestart() {
        // issue 17: last record live at 100 s, restarted at 200 s wall clock with nothing new
        EventTimeClock restarted = new EventTimeClock(Duration.ofSeconds(2), Duration.ofSeconds(10));
        restarted.restore(100_000, 100_500, true, 200_000);
        assertThat(restarted.now(201_000)).as("not idle for 2 s since the restart yet").isEqualTo(100_000);
        assertThat(restarted.now(202_000)).as("the downtime counts as idle time").isEqualTo(201_500);
    }

    @Test
    void shouldStayOnStreamTimeAfterARestartWhenTheLastRecordWasAReplay() {
        EventTimeClock restarted = new EventTimeClock(Duration.ofSeconds(2), Duration.ofSeconds(10));
        restarted.restore(1_000, 3_601_000, false, 3_700_000);
        assertThat(restarted.now(3_800_000)).isEqualTo(1_000);
    }

    @Test
    void shouldJudgeLivenessByTheNewRecordsOnceTheyArriveAfterARestart() {
        EventTimeClock restarted = new EventTimeClock(Duration.ofSeconds(2), Duration.ofSeconds(10));
        restarted.restore(100_000, 100_500, true, 700_000);
        // a backlog written during the ten-minute downtime: its records are far behind the wall clock
        restarted.onRecord(150_000, 700_100);
        assertThat(restarted.now(710_000)).as("a backlog is a replay").isEqualTo(150_000);
    }
}
