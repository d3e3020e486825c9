package io.cdcsentinel.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A counter per tag set, looked up by its tag values without building a meter id on every increment (label
 * writes count tens of thousands per second in a replay).
 *
 * <p>Counters count what this process did: after a crash, records re-processed from the last committed offsets
 * count again (exactly-once applies to the outputs, not to a process's counters), so use them for rates.
 */
public final class TaggedCounter {
    private final String name;
    private final String description;
    private final List<String> tagKeys;
    private final MeterRegistry registry;
    private final Map<List<String>, Counter> counters = new ConcurrentHashMap<>();

    TaggedCounter(String name, String description, List<String> tagKeys, MeterRegistry registry) {
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

    public void increment(String... tagValues) {
        add(1, tagValues);
    }

    public void add(double amount, String... tagValues) {
        counter(List.of(nonNull(tagValues))).increment(amount);
    }

    /** The count for these tag values (0 when never incremented). */
    public double count(String... tagValues) {
        Counter c = counters.get(List.of(nonNull(tagValues)));
        return c == null ? 0 : c.count();
    }

    private Counter counter(List<String> tagValues) {
        Counter c = counters.get(tagValues);
        if (c != null) {
            return c;
        }
        if (tagValues.size() != tagKeys.size()) {
            throw new IllegalArgumentException(name + " takes tags " + tagKeys + ", got " + tagValues);
        }
        return counters.computeIfAbsent(tagValues, v -> Counter.builder(name).description(description)
                .tags(SummedGauge.tags(tagKeys, v)).register(registry));
    }

    private static String[] nonNull(String[] values) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] == null) {
                values[i] = "";
            }
        }
        return values;
    }
}
