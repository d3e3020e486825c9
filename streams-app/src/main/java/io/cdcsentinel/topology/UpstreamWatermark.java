package io.cdcsentinel.topology;

import java.util.Arrays;

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
 * The latest timestamp received from a source is how far it has got, if the source delivers in timestamp
 * order; the minimum over the sources is a low watermark. One CDC topic partition is in commit order, so a
 * source per topic partition is exact (the label topology). An upstream task that reads several topics
 * (the gap topology counts per task) picks their records in timestamp order only among partitions that have
 * records buffered, unless {@code max.task.idle.ms} lets it wait for the others.
 *
 * <p>A source that sends nothing cannot be told apart from one that lags, so the watermark never stays more
 * than {@code maxSkew} behind stream time: a source silent for longer is presumed idle. The owner keeps the
 * positions in its {@link TaskClockStore} and {@link #restore}s them after a restart: how far a source had got is
 * still a lower bound of what it delivered (exactly-once: the positions are committed with the records that moved
 * them), so a restarted task neither runs ahead of a source it knew nor waits for one that had caught up.
 */
public final class UpstreamWatermark {
    private final long maxSkewMs;
    private final int sourcesPerPartition;
    /** Latest timestamp per upstream source, -1 where nothing came yet (sources are small dense ints). */
    private long[] latest = new long[0];

    /** Only the sources that have sent a record count. */
    public UpstreamWatermark(long maxSkewMs) {
        this(maxSkewMs, 0);
    }

    /**
     * Sources numbered {@code sourcesPerPartition * partition + topic}: having seen one, every source of its
     * partition and of the partitions below it is expected, and one that has sent nothing yet holds the watermark
     * at {@code maxSkew} behind stream time (so a replay that starts with one topic's records does not run ahead of
     * the other's).
     */
    public UpstreamWatermark(long maxSkewMs, int sourcesPerPartition) {
        this.maxSkewMs = maxSkewMs;
        this.sourcesPerPartition = sourcesPerPartition;
    }

    /**
     * A record from upstream source {@code source} (negative: unknown, ignored). True if it is the first from that
     * source, which an owner may persist and pass to {@link #expect} after a restart.
     */
    public boolean observe(int source, long timestamp) {
        if (source < 0) {
            return false;
        }
        expect(source);
        boolean first = latest[source] < 0;
        latest[source] = Math.max(latest[source], Math.max(timestamp, 0L));
        return first;
    }

    /**
     * A source known to exist that has not sent anything since this watermark was created (e.g. seen before a
     * restart). With sources per partition, it holds the watermark at the skew until it sends a record.
     */
    public void expect(int source) {
        if (source >= latest.length) {
            int size = latest.length;
            int expected = sourcesPerPartition > 0 ? (source / sourcesPerPartition + 1) * sourcesPerPartition : source + 1;
            latest = Arrays.copyOf(latest, expected);
            Arrays.fill(latest, size, latest.length, -1L);
        }
    }

    /** A source's position before a restart: expected, and known to have delivered up to {@code timestamp}. */
    public void restore(int source, long timestamp) {
        if (source < 0) {
            return;
        }
        expect(source);
        latest[source] = Math.max(latest[source], Math.max(timestamp, 0L));
    }

    /** The number of source slots (the highest source seen or expected + 1, or its partition's group). */
    public int sources() {
        return latest.length;
    }

    /** The latest timestamp received from {@code source}; -1 if none (yet). */
    public long position(int source) {
        return source >= 0 && source < latest.length ? latest[source] : -1L;
    }

    /** The watermark, given the task's stream time; never above stream time, never {@code maxSkew} below it. */
    public long at(long streamTime) {
        if (maxSkewMs <= 0) {
            return streamTime;
        }
        long low = Long.MAX_VALUE;
        for (long time : latest) {
            if (time >= 0) {
                low = Math.min(low, time);
            } else if (sourcesPerPartition > 0) {
                low = Long.MIN_VALUE;
            }
        }
        if (low == Long.MAX_VALUE) {
            return streamTime;
        }
        return Math.min(streamTime, Math.max(low, streamTime - maxSkewMs));
    }
}
