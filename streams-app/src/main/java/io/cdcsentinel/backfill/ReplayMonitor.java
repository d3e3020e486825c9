package io.cdcsentinel.backfill;

import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.GapSettings;
import io.cdcsentinel.config.LabelSettings;
import io.cdcsentinel.config.StreamsSettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.topology.BoundedTimestampExtractor;
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
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Runs a backfill's pipeline ({@code run}'s topologies and sink under the backfill's names) over the captured input
 * and decides when the window is done: every input consumed to its end offsets, the repartition topics drained, the
 * sink idle, and the last timers fired, which with the input consumed only the wall-clock fallback does.
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
        Map<String, Object> overrides = new LinkedHashMap<>();
        overrides.put(StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR_CLASS_CONFIG, BoundedTimestampExtractor.class.getName());
        overrides.put(BoundedTimestampExtractor.END_OFFSETS, BoundedTimestampExtractor.format(state.endOffsets));
        ConfigSource config = plan.pipelineConfig(resnapshot);
        Duration quiet = quietPeriod(config);
        long timersDue = timersDueAt(positions, state, config, quiet);
        long timersAfterProgress = timers(config).plus(quiet).toMillis();
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
            Map<String, Long> lastCommitted = null;
            long lastProgress = System.currentTimeMillis();
            while (true) {
                Thread.sleep(500); // the pace of the progress polls, not a wait for a result
                Optional<String> failure = replay.failure();
                if (failure.isPresent()) {
                    throw new IllegalStateException("the backfill's pipeline failed: " + failure.get()
                            + "; fix the cause and rerun the same command, it resumes");
                }
                long remaining = 0;
                boolean repartitionsDrained = true;
                Map<String, Long> allCommitted = new TreeMap<>();
                for (var g : groups.entrySet()) {
                    Map<String, Long> committed = positions.committed(g.getKey());
                    remaining += pending(state, g.getValue(), committed);
                    repartitionsDrained &= drained(positions, committed);
                    committed.forEach((tp, o) -> allCommitted.put(g.getKey() + "/" + tp, o));
                }
                long now = System.currentTimeMillis();
                if (!allCommitted.equals(lastCommitted)) {
                    // a task processed records: its wall-clock fallback timers run from here
                    lastCommitted = allCommitted;
                    lastProgress = now;
                }
                long done = total - remaining;
                boolean inputsDone = remaining == 0;
                boolean sinkDone = replay.sinkLagRecords() == 0;
                progress.update(done, total, inputsDone ? (sinkDone && repartitionsDrained ? "waiting for the last timers"
                        : "draining") : "");
                if (inputsDone && repartitionsDrained && sinkDone) {
                    List<Object> outputs = List.of(positions.latest(positions.partitions(List.of(plan.shadowTopics().gaps(),
                            plan.shadowTopics().gapRates(), plan.shadowTopics().labels()))), replay.sinkRowsWritten());
                    if (!outputs.equals(lastOutputs)) {
                        lastOutputs = outputs;
                        quietSince = now;
                    } else if (now - quietSince >= quiet.toMillis() && now >= timersDue
                            && now - lastProgress >= timersAfterProgress) {
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
     * How long the outputs must stay unchanged, everything consumed, before the backfill stops: the wall-clock
     * fallbacks engage after their idle time and act at their next punctuation, and what they emit is committed with
     * the next commit.
     */
    static Duration quietPeriod(ConfigSource config) {
        GapSettings gaps = GapSettings.from(config);
        LabelSettings labels = LabelSettings.from(config);
        StreamsSettings streams = StreamsSettings.from(config);
        Duration idle = max(gaps.clockIdleAfter(), labels.fallbackIdle());
        Duration punctuation = max(gaps.punctuationInterval(), labels.punctuationInterval());
        return idle.plus(punctuation.multipliedBy(2)).plus(streams.commitInterval().multipliedBy(2)).plus(Duration.ofSeconds(2));
    }

    /**
     * The wall-clock time by which the timers of the last input records are due: a scorecard's grace (and then the
     * roll-up's emit interval) and a conversation's settle window run from the commit (or snapshot read) of its last
     * change, and once the input is consumed only the wall-clock fallback decides them.
     */
    private long timersDueAt(KafkaPositions positions, BackfillState state, ConfigSource config, Duration quiet) {
        Map<String, Long> last = new TreeMap<>();
        state.endOffsets.forEach((tp, end) -> {
            if (end > state.startOffsets.getOrDefault(tp, 0L)) {
                last.put(tp, end - 1);
            }
        });
        long lastWritten = positions.timestampsAt(last).values().stream().mapToLong(Long::longValue).max().orElse(0);
        return lastWritten + timers(config).toMillis() + quiet.toMillis();
    }

    /**
     * The longest a task's timers run after its last record: a gap's grace, then its roll-up's emit interval (the
     * roll-up changes when the gap is decided), or a conversation's settle window. With the input consumed, only the
     * wall-clock fallback fires them, counted from the last record each task processed: the replay waits that long
     * after the last progress of any consumer group (input or repartition topic), as well as after the input's last
     * record was written.
     */
    static Duration timers(ConfigSource config) {
        GapSettings gaps = GapSettings.from(config);
        return max(gaps.grace().plus(gaps.rateEmitInterval()), LabelSettings.from(config).settleWindow());
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
