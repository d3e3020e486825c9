package io.cdcsentinel.bench;

import io.cdcsentinel.cdc.CdcTopics;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.StreamsSettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.topology.StreamsProperties;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Replays retained CDC topics through Kafka Streams applications (each with a fresh application id, so from offset
 * 0, {@code exactly_once_v2} as in production) and times them: from the moment 10% of the input is committed until
 * every input record, and every record the applications re-partitioned, is committed; the time is then scaled to
 * the whole input. Leaving out the start leaves out start-up and the first rebalance, which would otherwise
 * dominate small runs.
 */
final class StreamsBench {
    static final Duration TIMEOUT = Duration.ofMinutes(30);
    static final String FLOOR_REPARTITION = "floor-by-key";
    static final String FLOOR_STORE = "floor-counts";

    /** A finished replay; the applications are still running (their state loaded) until {@link #close()}. */
    static final class Replay implements AutoCloseable {
        final long records;
        final Duration duration;
        final Set<String> sources;
        final Collection<KafkaStreams> streams;
        final List<Path> stateDirs;
        final AutoCloseable closer;

        Replay(long records, Duration duration, Set<String> sources, Collection<KafkaStreams> streams,
                List<Path> stateDirs, AutoCloseable closer) {
            this.records = records;
            this.duration = duration;
            this.sources = sources;
            this.streams = streams;
            this.stateDirs = stateDirs;
            this.closer = closer;
        }

        double rate() {
            return records / CdcBench.seconds(duration);
        }

        /** Files under the applications' state directories (RocksDB SST files, checkpoints). */
        long stateBytesOnDisk() {
            return stateDirs.stream().mapToLong(Resources::sizeOnDisk).sum();
        }

        /**
         * The sum of a RocksDB property metric over every store of every application (KIP-607, recorded at INFO
         * level): {@code estimate-num-keys}, {@code size-all-mem-tables}, {@code total-sst-files-size}.
         */
        double rocksDbMetric(String name) {
            double sum = 0;
            for (KafkaStreams s : streams) {
                for (var e : s.metrics().entrySet()) {
                    if (e.getKey().name().equals(name) && e.getKey().group().equals("stream-state-metrics")
                            && e.getValue().metricValue() instanceof Number n) {
                        sum += n.doubleValue();
                    }
                }
            }
            return sum;
        }

        /**
         * Stops the applications and deletes their local state ({@link KafkaStreams#cleanUp()}): a replay's state is
         * of no use afterwards, and the rounds of one scale-10 run would leave gigabytes of RocksDB files behind.
         */
        @Override
        public void close() throws Exception {
            closer.close();
            streams.forEach(KafkaStreams::cleanUp);
        }
    }

    private final KafkaSettings kafka;
    private final Path stateRoot;

    StreamsBench(KafkaSettings kafka, Path stateRoot) {
        this.kafka = kafka;
        this.stateRoot = stateRoot;
    }

    /**
     * The least possible work an EOS application can do on the same input: read the topics as bytes,
     * {@code map} each record to itself and write it to {@code output}.
     */
    static Topology identity(Collection<String> sources, String output) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(sources, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .map(KeyValue::pair)
                .to(output, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
        return builder.build();
    }

    /**
     * The least work an EOS application can do that keeps state per row, as every topology that brings the changes of
     * several tables together must: route the records through a repartition topic (the re-key step; here to the same
     * key), then count them per key in a {@code groupByKey().count()} table, Kafka Streams' default store (RocksDB,
     * record cache, changelog; tombstones pass the repartition but are not counted). It writes nothing else: no output
     * topic.
     */
    static Topology statefulFloor(Collection<String> sources) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(sources, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .repartition(Repartitioned.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(FLOOR_REPARTITION))
                .groupByKey(Grouped.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .count(Named.as(FLOOR_STORE), Materialized.<byte[], Long, KeyValueStore<Bytes, byte[]>>as(FLOOR_STORE)
                        .withKeySerde(Serdes.ByteArray()));
        return builder.build();
    }

    /** Creates {@code topics} if missing (outputs of the applications under test). */
    void createTopics(List<String> topics) {
        CdcTopics.createMissing(kafka, topics.stream()
                .map(t -> new NewTopic(t, Optional.empty(), kafka.topicReplicationFactor() > 0
                        ? Optional.of(kafka.topicReplicationFactor()) : Optional.empty()))
                .toList());
    }

    /**
     * Replays {@code sources} through the identity application {@code applicationId} with {@code threads} stream
     * threads (the topologies' setting; one task has nothing to share them with).
     */
    Replay replayIdentity(String applicationId, Collection<String> sources, TopicNames names, int threads)
            throws Exception {
        String output = applicationId + "-out";
        createTopics(List.of(output));
        return replayBaseline(applicationId, identity(sources, output), sources, names, threads);
    }

    /** Replays {@code sources} through the {@link #statefulFloor} application {@code applicationId}. */
    Replay replayStatefulFloor(String applicationId, Collection<String> sources, TopicNames names, int threads)
            throws Exception {
        return replayBaseline(applicationId, statefulFloor(sources), sources, names, threads);
    }

    private Replay replayBaseline(String applicationId, Topology topology, Collection<String> sources, TopicNames names,
            int threads) throws Exception {
        Path stateDir = stateRoot.resolve(applicationId);
        // Defaults for everything else, as the topologies get them.
        StreamsSettings settings = StreamsSettings.from(ConfigSource.of(Map.of(
                StreamsSettings.APPLICATION_ID.name(), applicationId, StreamsSettings.STATE_DIR.name(), stateDir.toString(),
                StreamsSettings.THREADS.name(), Integer.toString(threads))));
        KafkaStreams streams = new KafkaStreams(topology, StreamsProperties.create(applicationId, kafka, settings, names));
        streams.setUncaughtExceptionHandler(
                e -> StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
        return replay(Map.of(applicationId, streams), streams::start, Set.copyOf(sources), List.of(stateDir),
                () -> streams.close(Duration.ofSeconds(30)));
    }

    /**
     * Starts applications (through {@code start}) over retained CDC topics under fresh application ids and waits
     * until they have committed all of their input. Their sources are read from their task assignments once they run:
     * the CDC topics among {@code cdcTopics} that they consume. The records counted are those of the union of their
     * sources (a topic read by two applications counts once).
     */
    Replay replay(Map<String, KafkaStreams> apps, Runnable start, Set<String> cdcTopics, List<Path> stateDirs,
            AutoCloseable closer) throws Exception {
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            start.run();
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            Map<String, Set<String>> sources = new HashMap<>();
            for (Map.Entry<String, KafkaStreams> app : apps.entrySet()) {
                sources.put(app.getKey(), awaitSources(app.getKey(), app.getValue(), cdcTopics, deadline));
            }
            Set<String> union = sources.values().stream().flatMap(Set::stream).collect(Collectors.toSet());
            long records = endOffsets(admin, union).values().stream().mapToLong(Long::longValue).sum();
            Map<String, Map<TopicPartition, Long>> sourceEnds = new HashMap<>();
            for (Map.Entry<String, Set<String>> e : sources.entrySet()) {
                sourceEnds.put(e.getKey(), endOffsets(admin, e.getValue()));
            }
            long total = sourceEnds.values().stream().flatMap(m -> m.values().stream()).mapToLong(Long::longValue).sum();
            long tenPercent = -1;
            long committedAtStart = -1;
            while (true) {
                long now = System.nanoTime();
                long committed = 0;
                boolean done = true;
                for (Map.Entry<String, Map<TopicPartition, Long>> app : sourceEnds.entrySet()) {
                    Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(app.getKey())
                            .partitionsToOffsetAndMetadata().get();
                    for (Map.Entry<TopicPartition, Long> e : app.getValue().entrySet()) {
                        OffsetAndMetadata o = offsets.get(e.getKey());
                        long position = o == null ? 0 : o.offset();
                        committed += Math.min(position, e.getValue());
                        done &= position >= e.getValue();
                    }
                    if (done) {
                        done = repartitionTopicsConsumed(admin, app.getKey(), offsets);
                    }
                }
                if (tenPercent < 0 && committed >= total / 10) {
                    tenPercent = now;
                    committedAtStart = committed;
                }
                if (done) {
                    // Scaled to all records: what was committed before the clock started is out of the time, so
                    // out of the count too.
                    double counted = Math.max(1, total - committedAtStart);
                    long nanos = (long) (Math.max(1, now - tenPercent) * (total / counted));
                    return new Replay(records, Duration.ofNanos(nanos), union, apps.values(), stateDirs, closer);
                }
                for (Map.Entry<String, KafkaStreams> app : apps.entrySet()) {
                    KafkaStreams.State state = app.getValue().state();
                    if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.PENDING_ERROR
                            || state == KafkaStreams.State.NOT_RUNNING) {
                        throw new IllegalStateException(app.getKey() + " stopped during the replay: " + state);
                    }
                }
                if (now > deadline) {
                    throw new IllegalStateException("replay did not finish in " + TIMEOUT + " (" + committed + " of "
                            + total + " committed)");
                }
                TimeUnit.MILLISECONDS.sleep(20);
            }
        } catch (Exception | Error e) {
            closer.close();
            throw e;
        }
    }

    /** The CDC topics an application reads, from its tasks once it runs (one instance holds every task). */
    private static Set<String> awaitSources(String id, KafkaStreams streams, Set<String> cdcTopics, long deadline)
            throws InterruptedException {
        while (true) {
            if (streams.state() == KafkaStreams.State.RUNNING) {
                Set<String> topics = streams.metadataForLocalThreads().stream()
                        .flatMap(t -> t.activeTasks().stream()).flatMap(t -> t.topicPartitions().stream())
                        .map(TopicPartition::topic).filter(cdcTopics::contains).collect(Collectors.toSet());
                if (!topics.isEmpty()) {
                    return topics;
                }
            }
            if (streams.state() == KafkaStreams.State.ERROR || System.nanoTime() > deadline) {
                throw new IllegalStateException(id + " did not start reading its CDC topics: " + streams.state());
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }

    /**
     * Everything written to the application's repartition topics ({@code <application.id>-...-repartition}) has
     * been committed as read. Listed by name, not from the committed offsets, which would not show a partition
     * nothing has been read from yet.
     */
    private static boolean repartitionTopicsConsumed(Admin admin, String applicationId,
            Map<TopicPartition, OffsetAndMetadata> offsets) throws ExecutionException, InterruptedException {
        Set<String> repartition = admin.listTopics().names().get().stream()
                .filter(t -> t.startsWith(applicationId + "-") && t.endsWith("-repartition"))
                .collect(Collectors.toSet());
        if (repartition.isEmpty()) {
            return true;
        }
        for (Map.Entry<TopicPartition, Long> end : endOffsets(admin, repartition).entrySet()) {
            OffsetAndMetadata o = offsets.get(end.getKey());
            // Streams writes these topics in transactions, so the last offset is a commit marker that the
            // consumer's committed position may never pass (nothing left to process, nothing to commit).
            if (end.getValue() > 0 && (o == null ? 0 : o.offset()) < end.getValue() - 1) {
                return false;
            }
        }
        return true;
    }

    /** Records in each of {@code topics} (committed end offsets summed over partitions; a transaction marker each). */
    Map<String, Long> endOffsets(List<String> topics) throws ExecutionException, InterruptedException {
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            Map<String, Long> counts = new java.util.TreeMap<>();
            endOffsets(admin, Set.copyOf(topics)).forEach((tp, end) -> counts.merge(tp.topic(), end, Long::sum));
            return counts;
        }
    }

    static Map<TopicPartition, Long> endOffsets(Admin admin, Set<String> topics)
            throws ExecutionException, InterruptedException {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        admin.describeTopics(topics).allTopicNames().get().forEach((name, d) -> d.partitions()
                .forEach(p -> request.put(new TopicPartition(name, p.partition()), OffsetSpec.latest())));
        Map<TopicPartition, Long> ends = new HashMap<>();
        admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get().forEach((tp, info) -> ends.put(tp, info.offset()));
        return ends;
    }
}
