package io.cdcsentinel.bench;

import io.cdcsentinel.cdc.CdcTopics;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.StreamsSettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.topology.StreamsProperties;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * Replays retained CDC topics through Kafka Streams applications (each with a fresh application id, so from offset
 * 0, {@code exactly_once_v2} as in production) and times them: from the moment 10% of the input is committed until
 * every input record, and every record the applications re-partitioned, is committed. Leaving out the first 10%
 * leaves out start-up and the first rebalance, which would otherwise dominate small runs.
 */
final class StreamsBench {
    static final Duration TIMEOUT = Duration.ofMinutes(30);

    /** One Streams application under test: its id, its topology, and the CDC topics it reads. */
    record App(String applicationId, Topology topology, List<String> sourceTopics) {
    }

    /** A finished replay; the applications are still running (their state loaded) until {@link #close()}. */
    static final class Replay implements AutoCloseable {
        final long records;
        final Duration duration;
        final List<KafkaStreams> streams;
        final List<Path> stateDirs;

        Replay(long records, Duration duration, List<KafkaStreams> streams, List<Path> stateDirs) {
            this.records = records;
            this.duration = duration;
            this.streams = streams;
            this.stateDirs = stateDirs;
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

        @Override
        public void close() {
            for (KafkaStreams s : streams) {
                s.close(Duration.ofSeconds(30));
            }
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
    static Topology identity(List<String> sources, String output) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(sources, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .map(KeyValue::pair)
                .to(output, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
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
     * Starts the applications together and waits until they have committed all of their input; the records
     * counted are those of the union of their source topics (a topic read by two applications counts once).
     */
    Replay replay(List<App> apps, TopicNames names) throws Exception {
        Set<String> union = apps.stream().flatMap(a -> a.sourceTopics().stream()).collect(Collectors.toSet());
        List<KafkaStreams> started = new ArrayList<>();
        List<Path> stateDirs = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            Map<TopicPartition, Long> unionEnds = endOffsets(admin, union);
            long records = unionEnds.values().stream().mapToLong(Long::longValue).sum();
            Map<String, Map<TopicPartition, Long>> sourceEnds = new HashMap<>();
            for (App app : apps) {
                sourceEnds.put(app.applicationId(), endOffsets(admin, Set.copyOf(app.sourceTopics())));
            }
            long totalSourceRecords = sourceEnds.values().stream().flatMap(m -> m.values().stream())
                    .mapToLong(Long::longValue).sum();
            for (App app : apps) {
                Path stateDir = stateRoot.resolve(app.applicationId());
                stateDirs.add(stateDir);
                Properties props = StreamsProperties.create(app.applicationId(), kafka,
                        new StreamsSettings(app.applicationId(), stateDir, 1, Duration.ofMillis(100)), names);
                KafkaStreams streams = new KafkaStreams(app.topology(), props);
                streams.setUncaughtExceptionHandler(e -> {
                    failure.compareAndSet(null, e);
                    return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
                });
                started.add(streams);
            }
            started.forEach(KafkaStreams::start);

            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            long tenPercent = -1;
            while (true) {
                long now = System.nanoTime();
                long committed = 0;
                boolean done = true;
                for (App app : apps) {
                    Map<TopicPartition, Long> ends = sourceEnds.get(app.applicationId());
                    Map<TopicPartition, OffsetAndMetadata> offsets = admin
                            .listConsumerGroupOffsets(app.applicationId()).partitionsToOffsetAndMetadata().get();
                    for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
                        OffsetAndMetadata o = offsets.get(e.getKey());
                        long position = o == null ? 0 : o.offset();
                        committed += Math.min(position, e.getValue());
                        done &= position >= e.getValue();
                    }
                    if (done) {
                        done = repartitionTopicsConsumed(admin, app.applicationId(), offsets);
                    }
                }
                if (tenPercent < 0 && committed >= totalSourceRecords / 10) {
                    tenPercent = now;
                }
                if (done) {
                    // Scaled to all records: the first 10% are left out of the time, so out of the count too.
                    long counted = records - records / 10;
                    Duration d = Duration.ofNanos(Math.max(1, now - tenPercent));
                    return new Replay(records, d.multipliedBy(records).dividedBy(Math.max(1, counted)), started,
                            stateDirs);
                }
                if (failure.get() != null) {
                    throw new IllegalStateException("Streams application failed: " + failure.get(), failure.get());
                }
                if (now > deadline) {
                    throw new IllegalStateException("replay did not finish in " + TIMEOUT + " (" + committed + " of "
                            + totalSourceRecords + " committed)");
                }
                TimeUnit.MILLISECONDS.sleep(20);
            }
        } catch (Exception | Error e) {
            started.forEach(s -> s.close(Duration.ofSeconds(10)));
            throw e;
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
