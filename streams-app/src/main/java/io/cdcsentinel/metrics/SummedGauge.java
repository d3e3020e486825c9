package io.cdcsentinel.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A process-wide gauge per tag set whose value is the sum of what its contributors (the stream tasks of this
 * process, each holding some partitions) added. A task adds its counts when it starts and withdraws them when
 * it closes (rebalance, shutdown), so the gauge shows what the tasks running in this process hold; across a
 * deployment, {@code sum by (customer, profile)} adds the instances up.
 *
 * <p>Registered in {@link Metrics#globalRegistry}, where {@link Telemetry} adds the Prometheus registry.
 * Tag sets are created on first use and then kept (a count that drops to 0 reads 0, it does not vanish).
 */
public final class SummedGauge {
    private final String name;
    private final String description;
    private final List<String> tagKeys;
    private final MeterRegistry registry;
    private final Map<List<String>, AtomicLong> values = new ConcurrentHashMap<>();

    SummedGauge(String name, String description, List<String> tagKeys, MeterRegistry registry) {
        this.name = name;
        this.description = description;
        this.tagKeys = List.copyOf(tagKeys);
        this.registry = registry;
    }

    public String name() {
        return name;
    }

    public List<String> tagKeys() {
        return tagKeys;
    }

    /** Adds {@code delta} to the gauge of these tag values (one per tag key, in order). */
    public void add(List<String> tagValues, long delta) {
        if (tagValues.size() != tagKeys.size()) {
            throw new IllegalArgumentException(name + " takes tags " + tagKeys + ", got " + tagValues);
        }
        values.computeIfAbsent(List.copyOf(tagValues), this::register).addAndGet(delta);
    }

    /** The current value for these tag values (0 when never added to). */
    public long value(List<String> tagValues) {
        AtomicLong v = values.get(tagValues);
        return v == null ? 0 : v.get();
    }

    private AtomicLong register(List<String> tagValues) {
        AtomicLong value = new AtomicLong();
        Gauge.builder(name, value, AtomicLong::doubleValue)
                .description(description)
                .tags(tags(tagKeys, tagValues))
                .strongReference(true)
                .register(registry);
        return value;
    }

    static Tags tags(List<String> keys, List<String> values) {
        Tags tags = Tags.empty();
        for (int i = 0; i < keys.size(); i++) {
            tags = tags.and(keys.get(i), values.get(i) == null ? "" : values.get(i));
        }
        return tags;
    }
}
