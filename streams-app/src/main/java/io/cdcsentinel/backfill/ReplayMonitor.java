package io.cdcsentinel.backfill;

import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.GapSettings;
import io.cdcsentinel.config.LabelSettings;
import io.cdcsentinel.config.StreamsSettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.topology.BoundedTimestampExtractor;
import io.cdcsentinel.topology.InputEnd;
import io.cdcsentinel.topology.gaps.HistoricGapTopology;
import io.cdcsentinel.topology.labels.ConversationLabelTopology;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Runs a backfill's pipeline ({@code run}'s topologies and sink under the backfill's names) over the captured input
 * and decides when the window is done: every input consumed to its end offsets and the repartition topics drained
 * (then it signals the {@link InputEnd}, which makes the processors fire the timers of the last records at once
 * instead of waiting for a wall-clock fallback), every processor reporting no timer due, the sink idle, and the
 * outputs unchanged for {@link #quietPeriod}.
 */
final class ReplayMonitor {
    private final BackfillPlan plan;
    private final Replay.Factory replays;
    private final Duration timeout;
    private final PrintStream terminal;
    private final Path stateFile;

    ReplayMonitor(BackfillPlan plan, Replay.Factory replays, Duration timeout, PrintStream terminal, Path stateFile) {
        this.plan = plan;
        this.replays = replays;
        this.timeout = timeout;
        this.terminal = terminal;
        this.stateFile = stateFile;
    }

    static String gapsGroup(BackfillPlan plan) {
        return HistoricGapTopology.applicationId(plan.applicationId());
    }

    static String labelsGroup(BackfillPlan plan) {
        return ConversationLabelTopology.applicationId(plan.applicationId());
    }

    static List<String> gapsInputs(TopicNames t) {
        return List.of(t.scorecards(), t.scores(), t.historicScores(), t.chats());
    }

    static List<String> labelsInputs(TopicNames t) {
        return List.of(t.chats(), t.chatEvents());
    }

    /** Runs the pipeline until the window is done (see the class comment); adds the time taken to the state. */
    void run(KafkaPositions positions, TopicNames inputs, BackfillState state, boolean resnapshot)
            throws InterruptedException, TimeoutException {
        ConfigSource config = plan.pipelineConfig(resnapshot);
        InputEnd end = new InputEnd(timers(config));
        Map<String, Object> overrides = new LinkedHashMap<>();
        overrides.put(StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR_CLASS_CONFIG, BoundedTimestampExtractor.class.getName());
        overrides.put(BoundedTimestampExtractor.END_OFFSETS, BoundedTimestampExtractor.format(state.endOffsets));
        overrides.put(InputEnd.CONFIG, end);
        long quiet = quietPeriod(config).toMillis();
        Map<String, List<String>> groups = Map.of(gapsGroup(plan), gapsInputs(inputs), labelsGroup(plan), labelsInputs(inputs));
        long total = 0;
        for (var g : groups.entrySet()) {
            total += pending(state, g.getValue(), Map.of());
        }
        long started = System.currentTimeMillis();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Replay replay = replays.create(config, overrides);
                ReplayProgress progress = ReplayProgress.create("backfill " + plan.window().id(), terminal)) {
            replay.start();
            List<Object> lastOutputs = null;
            long quietSince = 0;
            while (true) {
                Thread.sleep(200); // the pace of the progress polls, not a wait for a result
                Optional<String> failure = replay.failure();
                if (failure.isPresent()) {
                    throw new IllegalStateException("the backfill's pipeline failed: " + failure.get()
                            + "; fix the cause and rerun the same command, it resumes");
                }
                long remaining = 0;
                boolean repartitionsDrained = true;
                for (var g : groups.entrySet()) {
                    Map<String, Long> committed = positions.committed(g.getKey());
                    remaining += pending(state, g.getValue(), committed);
                    repartitionsDrained &= drained(positions, committed);
                }
                long now = System.currentTimeMillis();
                boolean inputsDone = remaining == 0;
                if (inputsDone && repartitionsDrained) {
                    // every record is processed (the committed offsets say so): only the timers of the last ones are left
                    end.signal();
                }
                boolean sinkDone = replay.sinkLagRecords() == 0;
                progress.update(total - remaining, total, inputsDone ? (sinkDone && repartitionsDrained
                        ? "firing the last timers" : "draining") : "");
                if (end.reached() && inputsDone && repartitionsDrained && sinkDone) {
                    List<Object> outputs = List.of(positions.latest(positions.partitions(List.of(plan.shadowTopics().gaps(),
                            plan.shadowTopics().gapRates(), plan.shadowTopics().labels()))), replay.sinkRowsWritten());
                    if (!outputs.equals(lastOutputs)) {
                        lastOutputs = outputs;
                        quietSince = now;
                    } else if (now - quietSince >= quiet && end.settledSince(quietSince)) {
                        break;
                    }
                } else {
                    lastOutputs = null;
                }
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("the backfill did not finish within " + timeout + " (--timeout);"
                            + " rerun the same command to resume");
                }
            }
        }
        state.replayMillis += System.currentTimeMillis() - started;
        state.replayCompleted = true;
        state.replayCompletedAt = Instant.now();
        state.save(stateFile);
    }

    /** Records of {@code topics} between the committed (or start) and the end offsets. */
    private static long pending(BackfillState state, List<String> topics, Map<String, Long> committed) {
        long n = 0;
        for (var e : state.endOffsets.entrySet()) {
            if (!topics.contains(KafkaPositions.topicOf(e.getKey()))) {
                continue;
            }
            long start = state.startOffsets.getOrDefault(e.getKey(), 0L);
            long at = Math.max(start, committed.getOrDefault(e.getKey(), start));
            n += Math.max(0, e.getValue() - at);
        }
        return n;
    }

    /** True when every repartition topic the group has committed on is read to its end. */
    private static boolean drained(KafkaPositions positions, Map<String, Long> committed) {
        List<org.apache.kafka.common.TopicPartition> internal = committed.keySet().stream()
                .filter(tp -> KafkaPositions.topicOf(tp).endsWith("-repartition")).map(KafkaPositions::parse).toList();
        Map<String, Long> ends = positions.latest(internal);
        return ends.entrySet().stream().allMatch(e -> committed.getOrDefault(e.getKey(), 0L) >= e.getValue());
    }

    /**
     * How long the outputs must stay unchanged, every record processed and every processor having reported no timer
     * due since, before the backfill stops: what the last punctuations emitted is sent and committed with the next
     * commit of each topology (and the sink, reading it, is not idle before).
     */
    static Duration quietPeriod(ConfigSource config) {
        return StreamsSettings.from(config).commitInterval().multipliedBy(2).plus(Duration.ofSeconds(1));
    }

    /**
     * How far the last timers lie past the stream time of the records that set them: a gap's grace, then its roll-up's
     * emission interval (the roll-up changes when the gap is decided), or a conversation's settle window. Once the
     * input has ended ({@link InputEnd}), the processors' clocks stand this far ahead of stream time.
     */
    static Duration timers(ConfigSource config) {
        GapSettings gaps = GapSettings.from(config);
        return max(gaps.grace().plus(gaps.rateEmitInterval()), LabelSettings.from(config).settleWindow());
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
