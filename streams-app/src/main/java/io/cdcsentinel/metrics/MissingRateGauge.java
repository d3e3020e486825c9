package io.cdcsentinel.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The missing percentage of the newest roll-up bucket seen per (customer, profile, bucket size), for the two
 * classes of scorecards the rule rates: submitted and unsubmitted. A late change to an older bucket does not move
 * it back. After a restart it reads nothing until the next roll-up of that tenant (the topic holds every bucket).
 */
public final class MissingRateGauge {
    private final String name;
    private final String description;
    private final MeterRegistry registry;
    private final Map<List<String>, Latest> latest = new ConcurrentHashMap<>();

    MissingRateGauge(String name, String description, MeterRegistry registry) {
        this.name = name;
        this.description = description;
        this.registry = registry;
    }

    public String name() {
        return name;
    }

    /** Records the roll-up of the bucket starting at {@code bucketStartMs}, if it is the newest one seen. */
    public void record(String customer, String profile, String bucketSize, long bucketStartMs, double submittedPct,
            double unsubmittedPct) {
        Latest l = latest.computeIfAbsent(List.of(customer, profile, bucketSize), this::register);
        synchronized (l) {
            if (bucketStartMs >= l.bucketStartMs) {
                l.bucketStartMs = bucketStartMs;
                l.submitted = submittedPct;
                l.unsubmitted = unsubmittedPct;
            }
        }
    }

    private Latest register(List<String> key) {
        Latest l = new Latest();
        Tags tags = Tags.of("customer", key.get(0), "profile", key.get(1), "bucket_size", key.get(2));
        Gauge.builder(name, l, x -> x.submitted).description(description).tags(tags.and("class", "submitted"))
                .strongReference(true).register(registry);
        Gauge.builder(name, l, x -> x.unsubmitted).description(description).tags(tags.and("class", "unsubmitted"))
                .strongReference(true).register(registry);
        return l;
    }

    private static final class Latest {
        long bucketStartMs = Long.MIN_VALUE;
        volatile double submitted = Double.NaN;
        volatile double unsubmitted = Double.NaN;
    }
}
