package io.cdcsentinel.cli;

import io.cdcsentinel.config.ClickHouseSettings;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.GapSettings;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.LabelSettings;
import io.cdcsentinel.config.OpsSettings;
import io.cdcsentinel.config.RegistrySettings;
import io.cdcsentinel.config.RunSettings;
import io.cdcsentinel.config.SinkSettings;
import io.cdcsentinel.config.StreamsSettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.metrics.Health;
import io.cdcsentinel.metrics.Meters;
import io.cdcsentinel.metrics.Telemetry;
import io.cdcsentinel.metrics.ThreadReplacementPolicy;
import io.cdcsentinel.registry.SchemaRegistration;
import io.cdcsentinel.sink.ClickHouseReachability;
import io.cdcsentinel.sink.ClickHouseSink;
import io.cdcsentinel.sink.SinkMeters;
import io.cdcsentinel.sink.SinkProgress;
import io.cdcsentinel.topology.AvroSerdes;
import io.cdcsentinel.topology.OutputTopics;
import io.cdcsentinel.topology.StreamsProperties;
import io.cdcsentinel.topology.gaps.GapTopics;
import io.cdcsentinel.topology.gaps.HistoricGapTopology;
import io.cdcsentinel.topology.labels.ConversationLabelTopology;
import io.cdcsentinel.topology.labels.LabelTopics;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code bin/sentinel run} runs in one process: the two topologies, each as its own Kafka Streams
 * application ({@code <streams.application.id>-gaps}, {@code -labels}: they scale, rebalance and reset
 * independently), and the ClickHouse sink unless {@code run.sink.enabled=false}. Used by {@code run},
 * {@code demo} and {@code bench}.
 *
 * <p>A stream thread that dies on an unexpected error is logged and replaced, at most
 * {@code streams.thread.replacements} times per window ({@link ThreadReplacementPolicy}; bad input never gets that
 * far: it goes to the dead-letter topic); one more and that topology shuts down, {@link #failure()} says so and
 * {@code run} exits non-zero. A sink that gives up (its retries
 * exhausted in {@code stop} mode) makes {@link #failure()} non-empty and {@code run} exits non-zero, so
 * that an orchestrator restarts it and the sink resumes from what ClickHouse holds.
 */
public final class Pipeline implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

    private final KafkaSettings kafka;
    private final TopicNames topics;
    private final RegistrySettings registry;
    private final RunSettings run;
    private final Map<String, KafkaStreams> streams = new LinkedHashMap<>();
    private final ClickHouseSink sink;
    private final ClickHouseReachability clickhouse;
    private final OpsSettings ops;

    private Pipeline(KafkaSettings kafka, TopicNames topics, RegistrySettings registry, RunSettings run, OpsSettings ops,
            Map<String, Topology> topologies, Map<String, java.util.Properties> properties, ClickHouseSink sink,
            ClickHouseReachability clickhouse) {
        this.kafka = kafka;
        this.topics = topics;
        this.registry = registry;
        this.run = run;
        this.ops = ops;
        topologies.forEach((id, topology) -> streams.put(id, new KafkaStreams(topology, properties.get(id))));
        this.sink = sink;
        this.clickhouse = clickhouse;
    }

    /** Reads every setting it needs from {@code source} (a bad value stops here, before anything starts). */
    public static Pipeline fromConfig(ConfigSource source) {
        return fromConfig(source, Map.of());
    }

    /**
     * {@link #fromConfig(ConfigSource)} with {@code streamsOverrides} added to both topologies' Kafka Streams properties
     * (the backfill's bounded timestamp extractor and its end offsets).
     */
    public static Pipeline fromConfig(ConfigSource source, Map<String, Object> streamsOverrides) {
        KafkaSettings kafka = KafkaSettings.from(source);
        StreamsSettings streams = StreamsSettings.from(source);
        TopicNames topics = TopicNames.from(source);
        RegistrySettings registry = RegistrySettings.from(source);
        RunSettings run = RunSettings.from(source);
        AvroSerdes avro = new AvroSerdes(registry);

        Map<String, Topology> topologies = new LinkedHashMap<>();
        Map<String, java.util.Properties> properties = new LinkedHashMap<>();
        String gapsId = HistoricGapTopology.applicationId(streams.applicationId());
        topologies.put(gapsId, HistoricGapTopology.build(GapTopics.create(topics, avro), GapSettings.from(source)));
        properties.put(gapsId, StreamsProperties.create(gapsId, kafka, streams, topics));
        properties.get(gapsId).putAll(streamsOverrides);
        String labelsId = ConversationLabelTopology.applicationId(streams.applicationId());
        topologies.put(labelsId, ConversationLabelTopology.build(LabelTopics.create(topics, avro), LabelSettings.from(source)));
        properties.put(labelsId, StreamsProperties.create(labelsId, kafka, streams, topics));
        properties.get(labelsId).putAll(streamsOverrides);

        ClickHouseSink sink = null;
        ClickHouseReachability clickhouse = null;
        OpsSettings ops = OpsSettings.from(source);
        if (run.sinkEnabled()) {
            SinkSettings sinkSettings = SinkSettings.from(source);
            sinkSettings = streams.instanceId().map(sinkSettings::withStaticMember).orElse(sinkSettings);
            ClickHouseSettings clickHouseSettings = ClickHouseSettings.from(source);
            sink = new ClickHouseSink(kafka, topics, registry, clickHouseSettings, sinkSettings);
            clickhouse = new ClickHouseReachability(clickHouseSettings, 2_000);
        }
        return new Pipeline(kafka, topics, registry, run, ops, topologies, properties, sink, clickhouse);
    }

    /**
     * Checks that the schemas are registered (unless {@code registry.auto.register=true}), creates the output topics,
     * then starts the topologies and the sink.
     *
     * @throws io.cdcsentinel.config.ConfigException when a subject lacks this build's schema, before anything runs
     */
    public void start() {
        // A process killed with SIGKILL leaves its health file behind: this one is not running yet.
        deleteHealthFile();
        SchemaRegistration.requireRegistered(registry, topics);
        OutputTopics.ensure(kafka, topics);
        streams.forEach((id, app) -> {
            ThreadReplacementPolicy policy = new ThreadReplacementPolicy(ops.threadReplacements(),
                    ops.threadReplacementWindow(), System::currentTimeMillis);
            app.setUncaughtExceptionHandler(e -> {
                StreamThreadExceptionResponse response = policy.onThreadDeath();
                if (response == StreamThreadExceptionResponse.REPLACE_THREAD) {
                    LOG.error("{}: stream thread failed, replacing it", id, e);
                    Meters.THREAD_REPLACEMENTS.increment(id);
                } else {
                    LOG.error("{}: stream thread failed again, after {} replacements within {}"
                            + " (streams.thread.replacements): shutting this instance down", id, ops.threadReplacements(),
                            ops.threadReplacementWindow(), e);
                }
                return response;
            });
            app.setStateListener((now, before) -> {
                LOG.info("{}: {} -> {}", id, before, now);
                updateHealthFile();
            });
            app.start();
        });
        if (sink != null) {
            sink.start();
        }
        LOG.info("pipeline started: {}{}", streams.keySet(), sink == null ? " (sink disabled)" : " + ClickHouse sink");
    }

    /** True when every topology is RUNNING (not rebalancing) and the sink, if any, runs. */
    public boolean isRunning() {
        return streams.values().stream().allMatch(s -> s.state() == KafkaStreams.State.RUNNING)
                && (sink == null || sink.state() == ClickHouseSink.State.RUNNING);
    }

    /**
     * Exports the pipeline's figures through {@code telemetry}: Kafka Streams' own metrics of both topologies
     * (Micrometer's {@link KafkaStreamsMetrics} binder), the sink's, and the health checks: live while nothing has
     * failed ({@link #failure()}), ready while every topology is RUNNING, the sink runs and ClickHouse answers.
     */
    public void instrument(Telemetry telemetry) {
        streams.forEach((id, app) -> telemetry.bind(new KafkaStreamsMetrics(app, Tags.of("application", id))));
        if (sink != null) {
            telemetry.bind(new SinkMeters(sink));
        }
        telemetry.health(this::liveness, this::readiness);
    }

    /** {@code /health/live}: down once the pipeline cannot go on (the process is about to exit non-zero). */
    public Health liveness() {
        Optional<String> failure = failure();
        return new Health(failure.isEmpty(), failure.map(f -> Map.of("failure", f)).orElse(Map.of()));
    }

    /** {@code /health/ready}: each topology's state, the sink's, and whether ClickHouse answers. */
    public Health readiness() {
        Map<String, String> parts = new LinkedHashMap<>();
        boolean up = true;
        for (var e : streams.entrySet()) {
            KafkaStreams.State state = e.getValue().state();
            parts.put(e.getKey(), state.name());
            up &= state == KafkaStreams.State.RUNNING;
        }
        if (sink != null) {
            parts.put("sink", sink.state().name());
            up &= sink.state() == ClickHouseSink.State.RUNNING;
            boolean reachable = clickhouse.reachable();
            parts.put("clickhouse", reachable ? "UP" : "UNREACHABLE");
            up &= reachable;
        }
        return new Health(up, parts);
    }

    /** Why the pipeline cannot go on, if it cannot: a topology in ERROR or a sink that gave up. */
    public Optional<String> failure() {
        for (var e : streams.entrySet()) {
            if (e.getValue().state() == KafkaStreams.State.ERROR || e.getValue().state() == KafkaStreams.State.NOT_RUNNING) {
                return Optional.of(e.getKey() + " is " + e.getValue().state());
            }
        }
        if (sink != null && sink.state() == ClickHouseSink.State.FAILED) {
            return Optional.of("ClickHouse sink failed: " + sink.failure().map(Throwable::toString).orElse("unknown"));
        }
        return Optional.empty();
    }

    /** One line per part, for the terminal and the log. */
    public List<String> status() {
        List<String> lines = new ArrayList<>();
        streams.forEach((id, app) -> lines.add(id + ": " + app.state()));
        if (sink != null) {
            SinkProgress progress = sink.progress();
            lines.add("sink: " + progress.summary());
        }
        return lines;
    }

    public Map<String, KafkaStreams> streams() {
        return streams;
    }

    public Optional<ClickHouseSink> sink() {
        return Optional.ofNullable(sink);
    }

    public RunSettings runSettings() {
        return run;
    }

    void updateHealthFile() {
        if (run.healthFile() == null) {
            return;
        }
        try {
            if (isRunning()) {
                Files.writeString(run.healthFile(), "RUNNING\n");
            } else {
                Files.deleteIfExists(run.healthFile());
            }
        } catch (IOException e) {
            LOG.warn("cannot update the health file {}: {}", run.healthFile(), e.toString());
        }
    }

    @Override
    public void close() {
        if (sink != null) {
            sink.close();
        }
        if (clickhouse != null) {
            clickhouse.close();
        }
        // Leave the group: Kafka Streams' consumers do not on close by default, so without this a restarted
        // instance (dynamic membership) waits in the rebalance for its predecessor's session to expire (~45 s).
        CloseOptions leave = CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(60));
        streams.forEach((id, app) -> {
            if (!app.close(leave)) {
                LOG.warn("{} did not close within 60 s", id);
            }
        });
        deleteHealthFile();
    }

    private void deleteHealthFile() {
        if (run.healthFile() != null) {
            try {
                Files.deleteIfExists(run.healthFile());
            } catch (IOException e) {
                LOG.warn("cannot remove the health file {}", run.healthFile());
            }
        }
    }
}
