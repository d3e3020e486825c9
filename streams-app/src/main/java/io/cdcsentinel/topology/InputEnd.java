package io.cdcsentinel.topology;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * The end of a bounded replay's input, shared by the replay's driver and the processors of its topologies (handed in
 * as the Kafka Streams property {@value #CONFIG}; {@code run} has none, and its topologies never end).
 *
 * <p>Once every input partition is consumed to its end offset and the repartition topics are drained, no record will
 * move stream time any more, and the timers of the last records would wait for a wall-clock fallback that only a live
 * task gets (and only after its idle time). The driver then calls {@link #signal}: from there the processors' clocks
 * ({@link EventTimeClock#bound}) stand {@link #horizon} ahead of their stream time, so their next wall-clock
 * punctuation fires every timer the last records set (a grace period, a roll-up emission, a settle window), and
 * nothing further (retention timers lie days ahead). Each processor {@link #report}s after each punctuation whether
 * timers are still due (a punctuation fires a bounded batch), and the driver stops once all of them said none after
 * the outputs last moved ({@link #settledSince}).
 */
public final class InputEnd {
    public static final String CONFIG = "sentinel.replay.input.end";
    /** The input of {@code run}: it never ends, and nobody waits for reports. */
    private static final InputEnd NEVER = new InputEnd(Duration.ZERO);

    private final Duration horizon;
    private volatile boolean reached;
    /** Per processor instance: the wall clock of its last report, negative while timers were still due. */
    private final Map<String, Long> reports = new ConcurrentHashMap<>();

    public InputEnd(Duration horizon) {
        this.horizon = horizon;
    }

    /** The end handed to {@code context}'s application, or one that never comes. */
    public static InputEnd of(ProcessorContext<?, ?> context) {
        return context.appConfigs().get(CONFIG) instanceof InputEnd end ? end : NEVER;
    }

    /** How far past stream time the clocks stand once the end is reached. */
    public Duration horizon() {
        return horizon;
    }

    /** Called by the driver once no input record is left to process; the end stays reached. */
    public void signal() {
        if (this == NEVER) {
            throw new IllegalStateException("the input of a topology without an end cannot end");
        }
        reached = true;
    }

    public boolean reached() {
        return reached;
    }

    /** A processor instance ({@code name} and its task) that reports; until its first report it has timers due. */
    public void register(String processor) {
        if (this != NEVER) {
            reports.put(processor, Long.MIN_VALUE);
        }
    }

    public void unregister(String processor) {
        reports.remove(processor);
    }

    /** After a punctuation: whether {@code processor} still has timers due at its current time. */
    public void report(String processor, boolean timersDue) {
        if (this != NEVER) {
            reports.put(processor, timersDue ? Long.MIN_VALUE : System.currentTimeMillis());
        }
    }

    /** True when the end is reached and every registered processor reported no timer due at or after {@code wallClockMs}. */
    public boolean settledSince(long wallClockMs) {
        return reached && !reports.isEmpty() && reports.values().stream().allMatch(at -> at >= wallClockMs);
    }
}
