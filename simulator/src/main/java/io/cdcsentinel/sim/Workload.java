package io.cdcsentinel.sim;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The deterministic sequence of stories of a {@link WorkloadSpec}, in order of start time: the story stream
 * (story {@code i} at {@code start + i * interval}, its scenario picked by smooth weighted round-robin so the
 * split is exact) merged with the batch streams (batch {@code b} at {@code start + batchAt + b * batchEvery},
 * {@code batchSize} scorecards spread evenly over {@code batchWindow}).
 *
 * <p>Every story draws from its own generator, seeded from (seed, stream, index) alone, so a story's rows do not
 * depend on how many other stories run, on pacing, or on threads: the same seed always gives the same rows.
 */
final class Workload {
    private static final long STORY_STREAM = 0;

    private final WorkloadSpec spec;
    private final Catalog catalog;
    private final List<Scenario> scenarios = new ArrayList<>();
    private final int[] weights;
    private final int[] current;
    private final int totalWeight;
    private final long intervalMicros;
    private final List<Batch> batches = new ArrayList<>();
    private long storyIndex;
    private long generated;
    private boolean stopped;

    Workload(WorkloadSpec spec) {
        this.spec = spec;
        this.catalog = new Catalog(spec.customers(), spec.profiles());
        Map<Scenario, Integer> mix = spec.storyMix();
        weights = new int[mix.size()];
        current = new int[mix.size()];
        int total = 0;
        for (Map.Entry<Scenario, Integer> e : mix.entrySet()) {
            weights[scenarios.size()] = e.getValue();
            scenarios.add(e.getKey());
            total += e.getValue();
        }
        totalWeight = total;
        intervalMicros = spec.intervalMicros();
        if (spec.hasBatches()) {
            for (int b = 0; b < spec.batches(); b++) {
                batches.add(new Batch(b));
            }
        }
    }

    /** Start of the next story, or null when there is none (all done, or {@link #stop()} was called). */
    Instant peekStart() {
        if (stopped) {
            return null;
        }
        Instant next = storyStreamHasMore() ? storyStart(storyIndex) : null;
        for (Batch b : batches) {
            Instant t = b.peek();
            if (t != null && (next == null || t.isBefore(next))) {
                next = t;
            }
        }
        return next;
    }

    /** The next story in start order (story stream first on equal times, then batches in order). */
    Story next() {
        Instant best = storyStreamHasMore() ? storyStart(storyIndex) : null;
        Batch bestBatch = null;
        for (Batch b : batches) {
            Instant t = b.peek();
            if (t != null && (best == null || t.isBefore(best))) {
                best = t;
                bestBatch = b;
            }
        }
        if (best == null || stopped) {
            throw new IllegalStateException("no more stories");
        }
        Story story = bestBatch == null ? nextStreamStory(best) : bestBatch.next(best);
        story.scenario().script().write(story);
        return story;
    }

    /** No new stories from now on. */
    void stop() {
        stopped = true;
    }

    /** Stories handed out so far. */
    long generated() {
        return generated;
    }

    private boolean storyStreamHasMore() {
        return !scenarios.isEmpty() && (spec.count() < 0 || storyIndex < spec.count());
    }

    private Instant storyStart(long index) {
        return spec.start().plus(index * intervalMicros, ChronoUnit.MICROS);
    }

    private Story nextStreamStory(Instant start) {
        int pick = 0;
        for (int i = 0; i < weights.length; i++) {
            current[i] += weights[i];
            if (current[i] > current[pick]) {
                pick = i;
            }
        }
        current[pick] -= totalWeight;
        SplittableRandom rng = random(spec.seed(), STORY_STREAM, storyIndex++);
        Tenant tenant = catalog.tenant(rng);
        return new Story(generated++, scenarios.get(pick), tenant, start, rng, spec, catalog);
    }

    static SplittableRandom random(long seed, long stream, long index) {
        long z = seed * 0x9E3779B97F4A7C15L + stream * 0xBF58476D1CE4E5B9L + index * 0x94D049BB133111EBL + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return new SplittableRandom(z ^ (z >>> 31));
    }

    /** One batch hour: one tenant, {@code batchSize} scorecards evenly over the window. */
    private final class Batch {
        private final long stream;
        private final Tenant tenant;
        private final Instant start;
        private final long windowMicros;
        private int index;

        Batch(int b) {
            stream = 1L + b;
            tenant = catalog.tenant(random(spec.seed(), stream, -1));
            start = spec.start().plus(spec.batchAt()).plus(spec.batchEvery().multipliedBy(b));
            windowMicros = WorkloadSpec.micros(spec.batchWindow());
        }

        Instant peek() {
            if (index >= spec.batchSize()) {
                return null;
            }
            long size = spec.batchSize();
            // floor(index * window / size) without overflowing: both products stay below 2^62.
            long offset = index * (windowMicros / size) + index * (windowMicros % size) / size;
            return start.plus(offset, ChronoUnit.MICROS);
        }

        Story next(Instant at) {
            SplittableRandom rng = random(spec.seed(), stream, index++);
            return new Story(generated++, Scenario.BATCH_HOUR, tenant, at, rng, spec, catalog);
        }
    }
}
