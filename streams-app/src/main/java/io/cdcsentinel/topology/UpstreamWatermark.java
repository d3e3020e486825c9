package io.cdcsentinel.topology;

import java.util.HashMap;
import java.util.Map;

/**
 * How far every upstream task has got, as seen by one downstream task: the time up to which the changes of
 * all its source tables have (most likely) been delivered to it. Used by the tasks that read a repartition
 * topic and fire event-time timers: the scorecard task of the gap topology, the conversation task of the
 * label topology. The upstream processors carry the source partition they read (= their task) in the
 * repartitioned value.
 *
 * <p>Why it is needed: Kafka Streams' stream time is the largest timestamp a task has seen. A task that reads
 * a repartition topic written by several upstream tasks (one per source partition) sees them progress
 * independently: during a burst or a replay one of them is easily seconds to minutes of event time ahead of
 * another, because what a task processes per round depends on what each fetch happened to bring. Driven by
 * the fastest one, a deadline would pass while a change committed before it still sits in a slower one.
 * Within one upstream task the source partitions are read in timestamp order, so the latest timestamp
 * received from a task is how far that task has got; the minimum over the tasks is a low watermark.
 *
 * <p>An upstream task that sends nothing cannot be told apart from one that lags, so the watermark never
 * stays more than {@code maxSkew} behind stream time: a task silent for longer is presumed idle. The
 * watermark is transient: after a restart it is rebuilt from the records that arrive (until every upstream
 * task has sent one, only those that have count).
 */
public final class UpstreamWatermark {
    private final long maxSkewMs;
    private final Map<Integer, Long> latest = new HashMap<>();

    public UpstreamWatermark(long maxSkewMs) {
        this.maxSkewMs = maxSkewMs;
    }

    /** A record from the upstream task of source partition {@code partition} (negative: unknown, ignored). */
    public void observe(int partition, long timestamp) {
        if (partition >= 0) {
            latest.merge(partition, timestamp, Math::max);
        }
    }

    /** The watermark, given the task's stream time; never above stream time, never {@code maxSkew} below it. */
    public long at(long streamTime) {
        if (latest.isEmpty() || maxSkewMs <= 0) {
            return streamTime;
        }
        long low = Long.MAX_VALUE;
        for (long time : latest.values()) {
            low = Math.min(low, time);
        }
        return Math.min(streamTime, Math.max(low, streamTime - maxSkewMs));
    }
}
