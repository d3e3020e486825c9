package io.cdcsentinel.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * Latencies in microseconds, up to an hour at 3 significant digits (HdrHistogram). Thread-safe for
 * recording from the threads that observe completions.
 */
public final class LatencyRecorder {
    private final String name;
    private final Histogram histogram = new Histogram(3_600_000_000L, 3);

    public LatencyRecorder(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    public synchronized void record(Duration latency) {
        histogram.recordValue(Math.max(0L, Math.min(latency.toNanos() / 1_000, histogram.getHighestTrackableValue())));
    }

    public synchronized long count() {
        return histogram.getTotalCount();
    }

    public synchronized Duration percentile(double p) {
        return Duration.ofNanos(histogram.getValueAtPercentile(p) * 1_000);
    }

    public synchronized Duration max() {
        return Duration.ofNanos(histogram.getMaxValue() * 1_000);
    }

    /** (percentile, latency in ms) points of the distribution, for a chart. */
    public synchronized List<double[]> percentileCurve() {
        List<double[]> points = new ArrayList<>();
        for (HistogramIterationValue v : histogram.percentiles(5)) {
            points.add(new double[] {v.getPercentileLevelIteratedTo(), v.getValueIteratedTo() / 1_000.0});
        }
        return points;
    }
}
