package io.cdcsentinel.sink;

import io.cdcsentinel.avro.ConversationLabel;
import io.cdcsentinel.config.ClickHouseSettings;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.RegistrySettings;
import io.cdcsentinel.config.SinkSettings;
import io.cdcsentinel.config.SinkSettings.FailureMode;
import io.cdcsentinel.config.SinkSettings.Layout;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.metrics.KafkaClientBinding;
import io.cdcsentinel.sink.BatchWriter.BatchFailedException;
import io.cdcsentinel.topology.AvroSerdes;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the {@code conversation-labels} topic into ClickHouse, each record exactly once (see the package
 * documentation for the argument). One consumer thread polls, buffers per partition, and when a buffer is
 * full ({@code sink.batch.size}) or old ({@code sink.batch.linger}) decodes and encodes it as one INSERT;
 * the INSERT runs on a second thread while the consumer thread prepares the next batch (one INSERT at a
 * time), and the offset after it is committed once ClickHouse has acknowledged it.
 *
 * <p>This class is the life cycle, the consumer loop and the order of the steps; the steps are their own classes:
 * {@link PartitionBuffers} (batching), {@link LabelDecoder} (records to labels, dead letters),
 * {@link LabelRowEncoder} (labels to an INSERT body), {@link BatchWriter} (INSERTs, retries, mutations) and
 * {@link ResumePosition} (where an assigned partition resumes).
 *
 * <p>Use: {@link #start()} (creates the table when configured, joins the consumer group, returns),
 * {@link #progress()} at any time, {@link #close()} to stop. A sink that gives up (a batch ClickHouse
 * keeps refusing in {@code stop} mode, a dead-letter topic that cannot be written, a registry that stays
 * unreachable) stops consuming, reports {@link State#FAILED} with the cause and commits nothing more; a
 * restart resumes exactly where ClickHouse stands.
 */
public final class ClickHouseSink implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClickHouseSink.class);

    /** The sink's life: NEW, then RUNNING, then STOPPED (closed) or FAILED (gave up). */
    public enum State { NEW, RUNNING, STOPPED, FAILED }

    private final KafkaSettings kafka;
    private final ClickHouseSettings clickhouse;
    private final SinkSettings settings;
    private final String topic;
    private final String deadLetterTopic;
    private final LabelTable table;
    /** Used on the polling thread only. */
    private final LabelRowEncoder encoder;
    /** Used on the inserter thread only (an encoder caches the day it last wrote, so it is not shared). */
    private final LabelRowEncoder inserterEncoder;
    private final Backoff backoff;

    private final CloseSignal closing = new CloseSignal();
    private final SinkCounters counters = new SinkCounters();
    private final PartitionBuffers buffers;
    private final LabelDecoder decoder;
    private final CountDownLatch terminated = new CountDownLatch(1);
    private volatile State state = State.NEW;
    private volatile Throwable failure;
    private volatile boolean handleRebalances = true;

    /** The thread INSERTs run on, one at a time, while the consumer thread prepares the next batch. */
    private final ExecutorService inserter = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "clickhouse-sink-insert");
        t.setDaemon(true);
        return t;
    });
    private InFlight inFlight;
    private final KafkaClientBinding clientMetrics = new KafkaClientBinding("sink");
    /**
     * INSERT bodies to reuse, consumer thread only: one is filled while the other may be in flight. A body goes back
     * only after its INSERT succeeded (a failed or abandoned request might still be reading it).
     */
    private final ArrayDeque<LabelRowEncoder.RowBuffer> freeBodies = new ArrayDeque<>();
    private volatile long firstRecordNanos;

    private LabelStore store;
    private BatchWriter writer;
    private KafkaConsumer<byte[], byte[]> consumer;
    private final SinkLag lag = new SinkLag();
    private DeadLetters deadLetters;
    private Thread thread;

    public ClickHouseSink(KafkaSettings kafka, TopicNames topics, RegistrySettings registry, ClickHouseSettings clickhouse,
            SinkSettings settings) {
        this(kafka, topics, new AvroSerdes(registry).forValues(ConversationLabel.class).deserializer(), clickhouse, settings);
    }

    /** With an explicit value deserializer (it must read what the label topology writes). */
    public ClickHouseSink(KafkaSettings kafka, TopicNames topics, Deserializer<ConversationLabel> valueDeserializer,
            ClickHouseSettings clickhouse, SinkSettings settings) {
        this.kafka = kafka;
        this.clickhouse = clickhouse;
        this.settings = settings;
        this.topic = topics.labels();
        this.deadLetterTopic = topics.deadLetters();
        this.table = new LabelTable(clickhouse.database(), settings.table(), settings.layout());
        this.encoder = new LabelRowEncoder(settings.layout(), topic);
        this.inserterEncoder = new LabelRowEncoder(settings.layout(), topic);
        this.backoff = new Backoff(settings.retryBackoff(), settings.retryBackoffMax());
        this.buffers = new PartitionBuffers(settings.batchSize(), settings.batchLinger());
        this.decoder = new LabelDecoder(valueDeserializer, deadLetterTopic, settings.retryAttempts(), backoff, closing, counters);
    }

    /** Everything from one configuration source, as {@code bin/sentinel sink} reads it. */
    public static ClickHouseSink fromConfig(ConfigSource source) {
        return new ClickHouseSink(KafkaSettings.from(source), TopicNames.from(source), RegistrySettings.from(source),
                ClickHouseSettings.from(source), SinkSettings.from(source));
    }

    /**
     * Creates the database and the table in the configured layout when absent, and checks an existing
     * one; for {@code stack}, {@code bench} and operators who create tables ahead of time.
     */
    public static LabelTable createTable(ClickHouseSettings clickhouse, SinkSettings settings) {
        LabelTable table = new LabelTable(clickhouse.database(), settings.table(), settings.layout());
        try (LabelStore store = new LabelStore(clickhouse, table)) {
            store.ensureTable(true);
        }
        return table;
    }

    public LabelTable table() {
        return table;
    }

    /** Kafka's own metrics of the sink's consumer, for {@code /metrics} (bound with {@link SinkMeters}). */
    KafkaClientBinding clientMetrics() {
        return clientMetrics;
    }

    /**
     * Connects to ClickHouse (retrying while it is unreachable, within the retry budget), creates or
     * checks the table, joins the consumer group and starts the consumer thread.
     *
     * @throws IllegalStateException when ClickHouse stays unreachable or the table cannot be used
     */
    public synchronized void start() {
        if (state != State.NEW) {
            throw new IllegalStateException("sink already started");
        }
        store = new LabelStore(clickhouse, table);
        writer = new BatchWriter(store, table, settings, clickhouse.socketTimeout(), backoff, closing, counters, encoder);
        try {
            writer.withRetries("prepare table " + table.qualifiedName(), () -> {
                store.ensureTable(settings.createTable());
                return null;
            });
            deadLetters = new DeadLetters(deadLetterTopic, kafka.clientConfig(), settings.groupId() + "-dlq");
            consumer = new KafkaConsumer<>(consumerConfig(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
            clientMetrics.attach(consumer);
        } catch (RuntimeException e) {
            closeQuietly();
            inserter.shutdownNow();
            state = State.FAILED;
            failure = e;
            terminated.countDown();
            throw e;
        }
        LOG.info("ClickHouse sink: {} -> {} (ClickHouse {}, layout {}, group {}, batch {} / {})", topic, table.qualifiedName(),
                clickhouse.url(), settings.layout().name().toLowerCase(java.util.Locale.ROOT), settings.groupId(),
                settings.batchSize(), settings.batchLinger());
        state = State.RUNNING;
        thread = new Thread(this::runLoop, "clickhouse-sink");
        thread.start();
    }

    Map<String, Object> consumerConfig() {
        Map<String, Object> config = new HashMap<>(kafka.clientConfig());
        config.putAll(settings.consumerProperties());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, settings.groupId());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // The labels are written by an exactly_once_v2 Streams application: never write an aborted record.
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.min(settings.batchSize(), 10_000));
        // A batch may spend its whole retry budget (and, legacy, a mutation) between two polls: the group
        // must not take that for a dead member and hand its partitions to another one mid-batch.
        long budget = settings.worstCaseBatchTime(clickhouse.socketTimeout()).toMillis()
                + (settings.layout() == Layout.LEGACY ? settings.mutationTimeout().toMillis() : 0) + 60_000;
        config.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, Math.max(300_000, budget)));
        return config;
    }

    /**
     * {@link System#nanoTime()} when the first records arrived, 0 before: where {@code bench}
     * ({@code io.cdcsentinel.bench.SinkBenchmark}, another module) starts its clock. Public for that alone.
     */
    public long firstRecordNanos() {
        return firstRecordNanos;
    }

    public State state() {
        return state;
    }

    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    public SinkProgress progress() {
        return counters.snapshot(state, failure);
    }

    /** Records of the label topic not yet written: not fetched yet, or polled and waiting (as of the last poll). */
    public long lagRecords() {
        return lag.records();
    }

    /** Age of the oldest record polled and not yet written, in seconds (0 when nothing waits). */
    public double lagSeconds() {
        return lag.seconds(System.currentTimeMillis());
    }

    /** Waits until the sink has stopped (closed or failed); true if it has. */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return terminated.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Stops consuming. Buffered records get one attempt to be written (no retries: whatever is not
     * written is not committed and is read again on the next start), then the consumer leaves its group.
     */
    @Override
    public void close() {
        closing.request();
        KafkaConsumer<byte[], byte[]> c;
        Thread t;
        synchronized (this) {
            c = consumer;
            t = thread;
        }
        if (c != null && t != null) {
            try {
                c.wakeup();
            } catch (RuntimeException alreadyClosed) {
                // the loop has ended and closed its consumer
            }
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else if (state == State.NEW) {
            state = State.STOPPED;
            terminated.countDown();
        }
    }

    // ---------------------------------------------------------------- consumer loop

    private void runLoop() {
        try {
            consumer.subscribe(List.of(topic), new Rebalances());
            while (!closing.requested()) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(buffers.pollTimeout(System.nanoTime(), inFlight != null));
                long now = System.nanoTime();
                if (!records.isEmpty() && firstRecordNanos == 0) {
                    firstRecordNanos = now;
                }
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    buffers.add(record, now);
                }
                lag.polled(records);
                long unfetched = 0;
                for (TopicPartition tp : consumer.assignment()) {
                    unfetched += consumer.currentLag(tp).orElse(0);
                }
                lag.unfetched(unfetched);
                counters.recordsConsumed.addAndGet(records.count());
                if (inFlight != null && inFlight.result().isDone()) {
                    completeInFlight();
                }
                buffers.forEachDue(System.nanoTime(), (tp, batch) -> writeBatch(tp, batch, settings.retryAttempts()));
            }
            drainOnClose();
            state = State.STOPPED;
        } catch (Throwable e) {
            // A wakeup, or a wait cut short, is how close() reaches a thread blocked in poll, a commit or a backoff.
            if (closing.requested() && (e instanceof WakeupException || e instanceof SinkClosedException
                    || e.getCause() instanceof WakeupException || e.getCause() instanceof SinkClosedException)) {
                drainOnClose();
                state = State.STOPPED;
            } else {
                fail(e);
            }
        } finally {
            handleRebalances = false;
            abandonInFlight();
            inserter.shutdownNow();
            closeQuietly();
            terminated.countDown();
            LOG.info("ClickHouse sink {}: {}", state == State.FAILED ? "failed" : "stopped", progress().summary());
        }
    }

    private void fail(Throwable e) {
        failure = e;
        state = State.FAILED;
        LOG.error("ClickHouse sink stops: {}. Nothing after the last written batch is committed; a restart resumes from"
                + " what ClickHouse holds.", ClickHouseErrors.describe(e), e);
    }

    private void drainOnClose() {
        try {
            for (TopicPartition tp : buffers.partitions()) {
                flushAll(tp, 1);
            }
            completeInFlight();
            try {
                consumer.commitSync(Duration.ofSeconds(10));
            } catch (WakeupException pendingWakeup) {
                // close()'s wakeup had not been consumed by a poll yet; it is now
                consumer.commitSync(Duration.ofSeconds(10));
            }
        } catch (RuntimeException e) {
            LOG.warn("could not write or commit the last buffered records on close ({}); they are read again on the next"
                    + " start", ClickHouseErrors.describe(e));
        }
        buffers.clear();
        lag.clear();
    }

    private void closeQuietly() {
        for (AutoCloseable c : new AutoCloseable[] {clientMetrics, consumer, deadLetters, store}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    LOG.debug("close failed", e);
                }
            }
        }
    }

    /** Writes everything buffered for {@code tp}, in batches. */
    private void flushAll(TopicPartition tp, int attempts) {
        List<ConsumerRecord<byte[], byte[]>> batch;
        while (!(batch = buffers.takeBatch(tp, System.nanoTime())).isEmpty()) {
            writeBatch(tp, batch, attempts);
        }
    }

    // ---------------------------------------------------------------- one batch

    /** The one INSERT that may be running while the next batch is prepared. */
    private record InFlight(TopicPartition tp, List<PendingLabel> rows, long nextOffset, int attempts,
            LabelRowEncoder.RowBuffer body, Future<?> result) {
    }

    /**
     * One batch of one partition: decode (bad records to the dead-letter topic, acknowledged), encode, then
     * INSERT. The INSERT runs on the inserter thread while this thread polls and prepares the next batch;
     * at most one runs at a time, so a partition's batches reach ClickHouse in offset order, and the
     * offset after a batch is committed only once ClickHouse has acknowledged it. Every position the sink
     * can resume from therefore has all records before it either in ClickHouse or in the dead-letter topic.
     * <p>
     * Where the encoding runs depends on which side is slower. While the previous INSERT is still running,
     * ClickHouse is the bottleneck: this thread encodes, in the INSERT's shadow. Once it has ended, this thread
     * (poll, decode, encode) is: the inserter, idle, encodes before it sends, which takes about a quarter of a
     * row's CPU off this thread.
     */
    private void writeBatch(TopicPartition tp, List<ConsumerRecord<byte[], byte[]>> batch, int attempts) {
        LabelDecoder.Decoded decoded = decoder.decode(batch);
        if (!decoded.letters().isEmpty()) {
            deadLetters.send(decoded.letters());
            counters.deadLettered.addAndGet(decoded.letters().size());
        }
        List<PendingLabel> rows = decoded.rows();
        if (settings.layout() == Layout.LEGACY) {
            rows = decoder.latestPerConversation(rows);
        }
        long nextOffset = batch.get(batch.size() - 1).offset() + 1;
        boolean inserterBusy = inFlight != null && !inFlight.result().isDone();
        LabelRowEncoder.RowBuffer body = rows.isEmpty() ? null : takeBody();
        boolean encoded = body != null && inserterBusy;
        if (encoded) {
            encoder.encode(tp.partition(), rows, body);
        }
        completeInFlight();
        if (rows.isEmpty()) {
            commit(tp, nextOffset);
            return;
        }
        if (settings.layout() == Layout.LEGACY) {
            try {
                // After the previous INSERT has landed: it may hold the very rows this delete must remove.
                writer.deleteCorrected(rows);
            } catch (RuntimeException e) {
                finishWithRetries(tp, rows, nextOffset, attempts, e);
                return;
            }
        }
        String queryId = writer.queryId(tp);
        List<PendingLabel> toInsert = rows;
        LabelRowEncoder.RowBuffer into = body;
        inFlight = new InFlight(tp, toInsert, nextOffset, attempts, into, inserter.submit(() -> writer.insert(tp, queryId,
                encoded ? into : inserterEncoder.encode(tp.partition(), toInsert, into), toInsert)));
    }

    /** Waits for the running INSERT; on failure retries it here (re-reading first), then commits its offset. */
    private void completeInFlight() {
        InFlight f = inFlight;
        if (f == null) {
            return;
        }
        inFlight = null;
        try {
            f.result().get();
        } catch (ExecutionException e) {
            RuntimeException cause = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
            finishWithRetries(f.tp(), f.rows(), f.nextOffset(), f.attempts(), cause);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SinkClosedException();
        }
        freeBodies.push(f.body());
        counters.rowsWritten.addAndGet(f.rows().size());
        counters.batchesWritten.incrementAndGet();
        commit(f.tp(), f.nextOffset());
    }

    /** A body to encode a batch into: a reused one when free (at most two exist while batches succeed). */
    private LabelRowEncoder.RowBuffer takeBody() {
        LabelRowEncoder.RowBuffer body = freeBodies.poll();
        return body != null ? body : new LabelRowEncoder.RowBuffer(settings.batchSize() * LabelRowEncoder.ROW_BYTES_ESTIMATE);
    }

    /** How many bodies wait for reuse; for tests. */
    int freeBodies() {
        return freeBodies.size();
    }

    /** On the way out after a failure: let a running INSERT end (its rows count once the next owner re-reads). */
    private void abandonInFlight() {
        InFlight f = inFlight;
        inFlight = null;
        if (f != null) {
            try {
                f.result().get(clickhouse.socketTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                LOG.debug("abandoned INSERT of {} ended with {}", f.tp(), e.toString());
            }
        }
    }

    private void finishWithRetries(TopicPartition tp, List<PendingLabel> rows, long nextOffset, int attempts,
            RuntimeException failure) {
        try {
            writer.retryInsert(tp, rows, attempts, failure);
        } catch (BatchFailedException e) {
            if (settings.failureMode() != FailureMode.DLQ || closing.requested()) {
                throw e;
            }
            LOG.error("ClickHouse refused {} rows of {}-{} (offsets {}..{}) after {} attempt(s): {}; sent to {}",
                    e.remaining.size(), tp.topic(), tp.partition(), e.remaining.get(0).offset(),
                    e.remaining.get(e.remaining.size() - 1).offset(), e.attempts, ClickHouseErrors.describe(e.getCause()),
                    deadLetterTopic);
            deadLetters.send(e.remaining.stream().map(p -> new DeadLetters.Letter(p.record(), e)).toList());
            counters.deadLettered.addAndGet(e.remaining.size());
        }
        commit(tp, nextOffset);
    }

    private void commit(TopicPartition tp, long nextOffset) {
        counters.lastOffsets.put(tp.partition(), nextOffset - 1);
        lag.written(tp, nextOffset);
        consumer.commitAsync(Map.of(tp, new OffsetAndMetadata(nextOffset)), (offsets, e) -> {
            if (e != null) {
                // Harmless: the committed offset is only a floor; the sink resumes from ClickHouse.
                LOG.debug("offset commit {} failed: {}", offsets, e.toString());
            }
        });
    }

    // ---------------------------------------------------------------- resume

    /**
     * Where to resume each newly assigned partition: wait until no INSERT of these partitions runs on the
     * server, read {@code max(kafka_offset)} per partition from the table, then {@link ResumePosition#of}.
     */
    private void resume(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        List<String> queryIds = partitions.stream().map(writer::queryId).toList();
        writer.withRetries("wait for running INSERTs", () -> {
            writer.awaitNoRunningInsert(queryIds);
            return null;
        });
        Map<Integer, Long> held = writer.withRetries("read max(kafka_offset)", () -> store.maxOffsets(topic));
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(partitions));
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        for (TopicPartition tp : partitions) {
            ResumePosition.of(table.qualifiedName(), tp, held, committed.get(tp), ends.get(tp)).applyTo(consumer);
        }
    }

    private final class Rebalances implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (!handleRebalances) {
                return;
            }
            // Write what is buffered, and wait for it, before the partitions move: the next owner resumes
            // from what ClickHouse holds.
            for (TopicPartition tp : partitions) {
                flushAll(tp, settings.retryAttempts());
                buffers.remove(tp);
                lag.forget(tp);
            }
            completeInFlight();
            if (!partitions.isEmpty()) {
                consumer.commitSync();
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            // Another member may already own them: writing the buffer now could duplicate its rows. A running
            // INSERT is let finish (the new owner waits for it, see resume), not retried.
            if (inFlight != null && partitions.contains(inFlight.tp())) {
                abandonInFlight();
            }
            for (TopicPartition tp : partitions) {
                int dropped = buffers.remove(tp);
                lag.forget(tp);
                if (dropped > 0) {
                    LOG.warn("{} lost to another group member: {} buffered records left to it", tp, dropped);
                }
            }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (handleRebalances) {
                resume(partitions);
            }
        }
    }
}
