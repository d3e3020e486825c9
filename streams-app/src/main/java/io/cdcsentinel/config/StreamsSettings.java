package io.cdcsentinel.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Kafka Streams settings shared by both topologies ({@code bin/sentinel run}). */
public record StreamsSettings(String applicationId, Path stateDir, int threads, Duration commitInterval,
        Duration maxTaskIdle, String instanceName, long rocksDbMemoryMb, double rocksDbWriteBufferRatio) {
    static final String AUTO = "auto";
    static final String NONE = "none";

    public static final ConfigKey<String> APPLICATION_ID = ConfigKey.string("streams.application.id",
            "application id prefix; the topologies run as <id>-gaps and <id>-labels")
            .withDefault("cdc-sentinel").validate(TopicNames::isLegalTopicName, "letters, digits, '.', '_' or '-'");
    public static final ConfigKey<String> STATE_DIR = ConfigKey.string("streams.state.dir", "RocksDB state directory")
            .withDefault(System.getProperty("java.io.tmpdir") + "/cdc-sentinel-state");
    public static final ConfigKey<Integer> THREADS = ConfigKey.integer("streams.threads", "stream threads per topology")
            .withDefault("1").between(1, 64);
    public static final ConfigKey<Duration> COMMIT_INTERVAL = ConfigKey.duration("streams.commit.interval",
            "commit.interval.ms; with exactly_once_v2 also the upper bound of output latency")
            .withDefault("100ms").validate(d -> d.toMillis() >= 10, "a duration of at least 10ms");

    /**
     * max.task.idle.ms: how long a task whose input partitions are not all buffered waits before it processes
     * what it has out of timestamp order. The CDC topics of one source transaction (a scorecard and its
     * scores) reach Kafka a few milliseconds apart; without waiting, a task that already has the scorecard
     * processes it, and the rows after it, before the scores of the same commit are even fetched (measured
     * in HistoricGapIT: with 0, gaps opened before their own scores had arrived). 1s is the recommended
     * production value. The default stays Kafka's 0 because TopologyTestDriver, whose clock only moves when a
     * test moves it, would otherwise never process a task that reads several topics.
     */
    public static final ConfigKey<Duration> MAX_TASK_IDLE = ConfigKey.duration("streams.max.task.idle",
            "max.task.idle.ms: wait for every input partition of a task so that records are processed in commit order"
                    + " (1s recommended in production)")
            .withDefault("0ms");

    /**
     * Static membership (KIP-345): each topology's consumers join with {@code group.instance.id = <application
     * id>-<instance>} (Kafka Streams appends the thread index), and the sink inside {@code run} with
     * {@code <sink.group.id>-<instance>}, so an instance restarted after a crash takes its tasks and partitions back
     * at once instead of waiting in a rebalance for its dead predecessor's session to expire (~45 s). The instance
     * must be unique among the live instances of a deployment and stable across restarts of one:
     * <ul>
     *   <li>{@code auto} (default): the host name and a hash of the absolute {@code streams.state.dir}. Two live
     *       instances of one application cannot share a state directory (Kafka Streams locks it), and a restarted
     *       instance finds its state where it left it, so this is both.</li>
     *   <li>a name (a StatefulSet pod name, say), when the host name or the state directory changes across
     *       restarts. Two live instances with one name fence each other.</li>
     *   <li>{@code none}: dynamic membership.</li>
     * </ul>
     * Either way a clean stop leaves the group ({@code Pipeline#close}); a crashed member's tasks move to
     * <em>other</em> instances only after {@code session.timeout.ms} ({@code kafka.client.session.timeout.ms}).
     */
    public static final ConfigKey<String> INSTANCE_NAME = ConfigKey.string("streams.instance.name",
            "static membership: group.instance.id = <application id>-<name>; auto = host name + hash of streams.state.dir,"
                    + " none = dynamic membership").withDefault(AUTO)
            .validate(TopicNames::isLegalTopicName, "auto, none, or letters, digits, '.', '_' or '-'");

    public static final ConfigKey<Long> ROCKSDB_MEMORY_MB = ConfigKey.longValue("streams.rocksdb.memory.mb",
            "RocksDB off-heap memory of the process in MiB: one block cache shared by every store of both topologies,"
                    + " memtables and index/filter blocks counted in it").withDefault("256").between(16L, 1L << 20);
    public static final ConfigKey<Double> ROCKSDB_WRITE_BUFFER_RATIO = ConfigKey.decimal("streams.rocksdb.write.buffer.ratio",
            "share of streams.rocksdb.memory.mb the memtables may take (WriteBufferManager)").withDefault("0.5")
            .between(0.05, 0.9);

    public static final List<ConfigKey<?>> KEYS = List.of(APPLICATION_ID, STATE_DIR, THREADS, COMMIT_INTERVAL, MAX_TASK_IDLE,
            INSTANCE_NAME, ROCKSDB_MEMORY_MB, ROCKSDB_WRITE_BUFFER_RATIO);

    public static StreamsSettings from(ConfigSource source) {
        return new StreamsSettings(APPLICATION_ID.read(source), Path.of(STATE_DIR.read(source)), THREADS.read(source),
                COMMIT_INTERVAL.read(source), MAX_TASK_IDLE.read(source), INSTANCE_NAME.read(source),
                ROCKSDB_MEMORY_MB.read(source), ROCKSDB_WRITE_BUFFER_RATIO.read(source));
    }

    /** This instance's name for static membership ({@link #INSTANCE_NAME}); empty for dynamic membership. */
    public java.util.Optional<String> instanceId() {
        if (NONE.equals(instanceName)) {
            return java.util.Optional.empty();
        }
        if (!AUTO.equals(instanceName)) {
            return java.util.Optional.of(instanceName);
        }
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = "localhost";
        }
        String safeHost = host.replaceAll("[^A-Za-z0-9._-]", "_");
        String dir = stateDir.toAbsolutePath().normalize().toString();
        return java.util.Optional.of(safeHost + "-" + Integer.toHexString(dir.hashCode()));
    }

    /** The {@code group.instance.id} of a topology's consumers, if static membership is on. */
    public java.util.Optional<String> groupInstanceId(String topologyApplicationId) {
        return instanceId().map(instance -> topologyApplicationId + "-" + instance);
    }
}
