package io.cdcsentinel.topology;

import java.time.Duration;

/**
 * The time by which timers fire: stream time (the source commit timestamps of the records processed,
 * which makes a replay fire the same timers in the same order), with a wall-clock fallback so that a
 * live pipeline whose sources go quiet still fires its timers on time.
 *
 * <p>The fallback only applies when the task was <em>live</em> when its last record arrived (that
 * record's commit time was within {@code maxLag} of the wall clock) and has then been idle for at least
 * {@code idleAfter}: the clock then advances from the last stream time by the wall-clock time elapsed
 * since that record. While records flow (a backlog or a replay), stream time alone drives the timers,
 * so a replay is never overtaken by the wall clock. Transient by design: after a restart it starts from
 * the task's stream time again.
 */
public final class EventTimeClock {
    private final long idleAfterMs;
    private final long maxLagMs;
    private long streamTime = -1;
    private long lastRecordWallClock = -1;
    private boolean lastRecordWasLive;

    public EventTimeClock(Duration idleAfter, Duration maxLag) {
        this.idleAfterMs = idleAfter.toMillis();
        this.maxLagMs = maxLag.toMillis();
    }

    /** Call for every record processed, with its (event) timestamp and the current wall clock. */
    public void onRecord(long recordTimestamp, long wallClock) {
        streamTime = Math.max(streamTime, recordTimestamp);
        lastRecordWallClock = wallClock;
        lastRecordWasLive = wallClock - recordTimestamp <= maxLagMs;
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
        long idle = wallClock - lastRecordWallClock;
        if (lastRecordWallClock >= 0 && lastRecordWasLive && idle >= idleAfterMs) {
            return Math.max(streamTime, streamTime + idle);
        }
        return streamTime;
    }

    /** True when {@link #now} is currently ahead of stream time because of the wall-clock fallback. */
    public boolean isWallClockDriven(long wallClock) {
        return now(wallClock) > streamTime;
    }

    public long streamTime() {
        return streamTime;
    }
}
