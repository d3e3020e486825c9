package io.cdcsentinel.topology;

import java.time.Duration;

/**
 * The time by which timers fire: stream time (the source commit timestamps of the records processed,
 * which makes a replay fire the same timers in the same order), with a wall-clock fallback so that a
 * live pipeline whose sources go quiet still fires its timers on time.
 *
 * <p>The fallback only applies when the task was <em>live</em> when its last record arrived (that
 * record's commit time was within {@code maxLag} of the wall clock) and has then been idle for at least
 * {@code idleAfter}: the clock then advances from the stream time of that record by the wall-clock time
 * elapsed since it was processed. While records flow (a backlog or a replay), stream time alone drives the
 * timers, so a replay is never overtaken by the wall clock.
 *
 * <p><b>Across a restart</b> (issue 17). What decides "live" is the last record's commit time and the wall clock
 * at which it was processed: both are kept in the task's {@link TaskClockStore} and {@link #restore}d when the task
 * starts again, so a task that was live before a {@code kill -9} or a clean stop is live after it, and the timers
 * that fell due during the downtime fire once it has been idle for {@code idleAfter} since the restart (the
 * downtime counts as idle time: nothing arrived). Only since the restart, not since the last record: a backlog
 * that built up during the downtime reaches the task within that time, and its records, behind the wall clock by
 * the downtime, make it a replay again until it has caught up. A task that was replaying when it stopped stays
 * on stream time after the restart, as it would have without one.
 */
public final class EventTimeClock {
    private final long idleAfterMs;
    private final long maxLagMs;
    private long streamTime = -1;
    /** Stream time when the last record was processed: where the fallback starts from. */
    private long lastRecordStreamTime = -1;
    private long lastRecordWallClock = -1;
    private boolean lastRecordWasLive;
    /** Wall clock at which the state was restored, until the first record after it; -1 otherwise. */
    private long restoredAt = -1;
    /** Bumped whenever what {@link #restore} needs changes, so that an owner saves only then. */
    private long changes;
    private InputEnd end;

    public EventTimeClock(Duration idleAfter, Duration maxLag) {
        this.idleAfterMs = idleAfter.toMillis();
        this.maxLagMs = maxLag.toMillis();
    }

    /**
     * A bounded replay's end: once it is {@link InputEnd#reached}, the time for timers is stream time plus the end's
     * horizon, live or not, so that the timers of the last records fire at the next punctuation.
     */
    public void bound(InputEnd end) {
        this.end = end;
    }

    /** Call for every record processed, with its (event) timestamp and the current wall clock. */
    public void onRecord(long recordTimestamp, long wallClock) {
        streamTime = Math.max(streamTime, recordTimestamp);
        lastRecordStreamTime = streamTime;
        lastRecordWallClock = wallClock;
        lastRecordWasLive = wallClock - recordTimestamp <= maxLagMs;
        restoredAt = -1;
        changes++;
    }

    /**
     * Resumes from what {@link #lastRecordStreamTime()}, {@link #lastRecordWallClock()} and
     * {@link #lastRecordWasLive()} said before a restart; {@code wallClock} is the time of the restart.
     */
    public void restore(long lastRecordStreamTime, long lastRecordWallClock, boolean live, long wallClock) {
        this.streamTime = Math.max(streamTime, lastRecordStreamTime);
        this.lastRecordStreamTime = lastRecordStreamTime;
        this.lastRecordWallClock = lastRecordWallClock;
        this.lastRecordWasLive = live;
        this.restoredAt = wallClock;
    }

    /** Seeds stream time (e.g. from {@code ProcessorContext.currentStreamTimeMs()} after a restart). */
    public void observeStreamTime(long time) {
        streamTime = Math.max(streamTime, time);
    }

    /** The current time for timers; -1 until anything has been seen. */
    public long now(long wallClock) {
        if (streamTime < 0) {
            return -1;
        }
        if (end != null && end.reached()) {
            return streamTime + end.horizon().toMillis();
        }
        long idle = wallClock - lastRecordWallClock;
        boolean idleSinceRestart = restoredAt < 0 || wallClock - restoredAt >= idleAfterMs;
        if (lastRecordWallClock >= 0 && lastRecordWasLive && idle >= idleAfterMs && idleSinceRestart) {
            return Math.max(streamTime, lastRecordStreamTime + idle);
        }
        return streamTime;
    }

    /** True when {@link #now} is currently ahead of stream time because of the wall-clock fallback or the input's end. */
    public boolean isWallClockDriven(long wallClock) {
        return now(wallClock) > streamTime;
    }

    public long streamTime() {
        return streamTime;
    }

    public long lastRecordStreamTime() {
        return lastRecordStreamTime;
    }

    public long lastRecordWallClock() {
        return lastRecordWallClock;
    }

    public boolean lastRecordWasLive() {
        return lastRecordWasLive;
    }

    /** A counter that moves whenever the values {@link #restore} takes change. */
    long changes() {
        return changes;
    }
}
