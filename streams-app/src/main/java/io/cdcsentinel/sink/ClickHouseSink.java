package io.cdcsentinel.sink;

import io.cdcsentinel.avro.ConversationLabel;
import io.cdcsentinel.avro.LabelKind;
import io.cdcsentinel.config.ClickHouseSettings;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.RegistrySettings;
import io.cdcsentinel.config.SinkSettings;
import io.cdcsentinel.config.SinkSettings.FailureMode;
import io.cdcsentinel.config.SinkSettings.Layout;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.topology.AvroSerdes;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
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
    private final Deserializer<ConversationLabel> valueDeserializer;
    private final LabelTable table;
    /** Used on the polling thread only. */
    private final LabelRowEncoder encoder;
    /** Used on the inserter thread only (an encoder caches the day it last wrote, so it is not shared). */
    private final LabelRowEncoder inserterEncoder;
    private final Backoff backoff;

    private final Map<TopicPartition, PartitionBuffer> buffers = new LinkedHashMap<>();
    private final CountDownLatch closeRequested = new CountDownLatch(1);
    private final CountDownLatch terminated = new CountDownLatch(1);
    private volatile State state = State.NEW;
    private volatile Throwable failure;
    private volatile boolean handleRebalances = true;

    private final AtomicLong recordsConsumed = new AtomicLong();
    private final AtomicLong rowsWritten = new AtomicLong();
    private final AtomicLong batchesWritten = new AtomicLong();
    private final AtomicLong tombstones = new AtomicLong();
    private final AtomicLong superseded = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong mutations = new AtomicLong();
    private final Map<Integer, Long> lastOffsets = new ConcurrentHashMap<>();

    /** The thread INSERTs run on, one at a time, while the consumer thread prepares the next batch. */
    private final ExecutorService inserter = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "clickhouse-sink-insert");
        t.setDaemon(true);
        return t;
    });
    private InFlight inFlight;
    private volatile long firstRecordNanos;

    private LabelStore store;
    private KafkaConsumer<byte[], byte[]> consumer;
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
        this.valueDeserializer = valueDeserializer;
        this.table = new LabelTable(clickhouse.database(), settings.table(), settings.layout());
        this.encoder = new LabelRowEncoder(settings.layout(), topic);
        this.inserterEncoder = new LabelRowEncoder(settings.layout(), topic);
        this.backoff = new Backoff(settings.retryBackoff(), settings.retryBackoffMax());
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
        try {
            withRetries("prepare table " + table.qualifiedName(), () -> {
                store.ensureTable(settings.createTable());
                return null;
            });
            deadLetters = new DeadLetters(deadLetterTopic, kafka.clientConfig(), settings.groupId() + "-dlq");
            consumer = new KafkaConsumer<>(consumerConfig(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
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
        Throwable f = failure;
        return new SinkProgress(state, recordsConsumed.get(), rowsWritten.get(), batchesWritten.get(), tombstones.get(),
                superseded.get(), deadLettered.get(), retries.get(), mutations.get(), Map.copyOf(lastOffsets),
                f == null ? null : String.valueOf(f.getMessage()));
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
        closeRequested.countDown();
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

    private boolean closing() {
        return closeRequested.getCount() == 0;
    }

    // ---------------------------------------------------------------- consumer loop

    private void runLoop() {
        try {
            consumer.subscribe(List.of(topic), new Rebalances());
            while (!closing()) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(nextPollTimeout());
                long now = System.nanoTime();
                if (!records.isEmpty() && firstRecordNanos == 0) {
                    firstRecordNanos = now;
                }
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
                    buffers.computeIfAbsent(tp, k -> new PartitionBuffer()).add(record, now);
                }
                recordsConsumed.addAndGet(records.count());
                if (inFlight != null && inFlight.result().isDone()) {
                    completeInFlight();
                }
                flushDue(System.nanoTime());
            }
            drainOnClose();
            state = State.STOPPED;
        } catch (Throwable e) {
            // A wakeup, or a wait cut short, is how close() reaches a thread blocked in poll, a commit or a backoff.
            if (closing() && (e instanceof WakeupException || e instanceof SinkClosedException
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
            for (TopicPartition tp : new ArrayList<>(buffers.keySet())) {
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
    }

    private void closeQuietly() {
        for (AutoCloseable c : new AutoCloseable[] {consumer, deadLetters, store}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    LOG.debug("close failed", e);
                }
            }
        }
    }

    private Duration nextPollTimeout() {
        long lingerNanos = settings.batchLinger().toNanos();
        long now = System.nanoTime();
        long wait = TimeUnit.MILLISECONDS.toNanos(inFlight != null ? 10 : 200);
        for (PartitionBuffer b : buffers.values()) {
            if (!b.records.isEmpty()) {
                wait = Math.min(wait, Math.max(0, b.firstAddedNanos + lingerNanos - now));
            }
        }
        return Duration.ofNanos(wait);
    }

    /** Full batches as soon as they are full; the rest once its oldest record has waited {@code sink.batch.linger}. */
    private void flushDue(long now) {
        long lingerNanos = settings.batchLinger().toNanos();
        for (Map.Entry<TopicPartition, PartitionBuffer> e : buffers.entrySet()) {
            PartitionBuffer b = e.getValue();
            while (b.records.size() >= settings.batchSize()) {
                writeBatch(e.getKey(), b.take(settings.batchSize(), now), settings.retryAttempts());
            }
            if (!b.records.isEmpty() && now - b.firstAddedNanos >= lingerNanos) {
                writeBatch(e.getKey(), b.take(b.records.size(), now), settings.retryAttempts());
            }
        }
    }

    /** Writes everything buffered for {@code tp}, in batches. */
    private void flushAll(TopicPartition tp, int attempts) {
        PartitionBuffer b = buffers.get(tp);
        while (b != null && !b.records.isEmpty()) {
            writeBatch(tp, b.take(Math.min(settings.batchSize(), b.records.size()), System.nanoTime()), attempts);
        }
    }

    /** Records of one partition, in offset order, waiting to be written. */
    private static final class PartitionBuffer {
        final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        long firstAddedNanos;

        void add(ConsumerRecord<byte[], byte[]> record, long now) {
            if (records.isEmpty()) {
                firstAddedNanos = now;
            }
            records.add(record);
        }

        /** Removes and returns the first {@code n} records; what stays counts as arrived {@code now}. */
        List<ConsumerRecord<byte[], byte[]>> take(int n, long now) {
            List<ConsumerRecord<byte[], byte[]>> head = new ArrayList<>(records.subList(0, n));
            records.subList(0, n).clear();
            firstAddedNanos = now;
            return head;
        }
    }

    // ---------------------------------------------------------------- one batch

    /** A decoded label and the record it came from. */
    private record Pending(ConversationLabel label, ConsumerRecord<byte[], byte[]> record) {
        long offset() {
            return record.offset();
        }
    }

    /** The one INSERT that may be running while the next batch is prepared. */
    private record InFlight(TopicPartition tp, List<Pending> rows, long nextOffset, int attempts, Future<?> result) {
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
        List<Pending> rows = new ArrayList<>(batch.size());
        List<DeadLetters.Letter> letters = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : batch) {
            if (record.value() == null) {
                tombstones.incrementAndGet();
                continue;
            }
            try {
                ConversationLabel label = decode(record);
                LabelRowEncoder.validate(label);
                rows.add(new Pending(label, record));
            } catch (BadLabelException e) {
                LOG.warn("bad label at {}-{}@{}: {}; sent to {}", record.topic(), record.partition(), record.offset(),
                        e.getMessage(), deadLetterTopic);
                letters.add(new DeadLetters.Letter(record, e));
            }
        }
        if (!letters.isEmpty()) {
            deadLetters.send(letters);
            deadLettered.addAndGet(letters.size());
        }
        if (settings.layout() == Layout.LEGACY) {
            rows = latestPerConversation(rows);
        }
        long nextOffset = batch.get(batch.size() - 1).offset() + 1;
        boolean inserterBusy = inFlight != null && !inFlight.result().isDone();
        LabelRowEncoder.RowBuffer body = rows.isEmpty() || !inserterBusy ? null : encode(encoder, tp, rows);
        completeInFlight();
        if (rows.isEmpty()) {
            commit(tp, nextOffset);
            return;
        }
        if (settings.layout() == Layout.LEGACY) {
            try {
                // After the previous INSERT has landed: it may hold the very rows this delete must remove.
                deleteCorrected(rows);
            } catch (RuntimeException e) {
                finishWithRetries(tp, rows, nextOffset, attempts, e);
                return;
            }
        }
        String queryId = table.insertQueryId(tp.topic(), tp.partition());
        List<Pending> toInsert = rows;
        inFlight = new InFlight(tp, toInsert, nextOffset, attempts, inserter.submit(() -> timedInsert(tp, queryId,
                body != null ? body : encode(inserterEncoder, tp, toInsert), toInsert)));
    }

    private static LabelRowEncoder.RowBuffer encode(LabelRowEncoder encoder, TopicPartition tp, List<Pending> rows) {
        LabelRowEncoder.RowBuffer body = new LabelRowEncoder.RowBuffer(rows.size() * 512);
        byte[] writtenAt = LabelRowEncoder.dateTimeJson(System.currentTimeMillis() / 1000);
        for (Pending p : rows) {
            encoder.encode(p.label(), tp.partition(), p.offset(), writtenAt, body);
        }
        return body;
    }

    private void timedInsert(TopicPartition tp, String queryId, LabelRowEncoder.RowBuffer body, List<Pending> rows) {
        long started = System.nanoTime();
        store.insert(queryId, body);
        if (LOG.isDebugEnabled()) {
            LOG.debug("{}-{}: {} rows ({} bytes) up to offset {} written in {} ms", tp.topic(), tp.partition(), rows.size(),
                    body.size(), rows.get(rows.size() - 1).offset(), (System.nanoTime() - started) / 1_000_000);
        }
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
        rowsWritten.addAndGet(f.rows().size());
        batchesWritten.incrementAndGet();
        commit(f.tp(), f.nextOffset());
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

    private void finishWithRetries(TopicPartition tp, List<Pending> rows, long nextOffset, int attempts, RuntimeException failure) {
        try {
            retryInsert(tp, rows, attempts, failure);
        } catch (BatchFailedException e) {
            if (settings.failureMode() != FailureMode.DLQ || closing()) {
                throw e;
            }
            LOG.error("ClickHouse refused {} rows of {}-{} (offsets {}..{}) after {} attempt(s): {}; sent to {}",
                    e.remaining.size(), tp.topic(), tp.partition(), e.remaining.get(0).offset(),
                    e.remaining.get(e.remaining.size() - 1).offset(), e.attempts, ClickHouseErrors.describe(e.getCause()),
                    deadLetterTopic);
            deadLetters.send(e.remaining.stream().map(p -> new DeadLetters.Letter(p.record(), e)).toList());
            deadLettered.addAndGet(e.remaining.size());
        }
        commit(tp, nextOffset);
    }

    private void commit(TopicPartition tp, long nextOffset) {
        lastOffsets.put(tp.partition(), nextOffset - 1);
        consumer.commitAsync(Map.of(tp, new OffsetAndMetadata(nextOffset)), (offsets, e) -> {
            if (e != null) {
                // Harmless: the committed offset is only a floor; the sink resumes from ClickHouse.
                LOG.debug("offset commit {} failed: {}", offsets, e.toString());
            }
        });
    }

    /**
     * Decodes a value with the registry-aware deserializer. A registry that cannot be reached is not the
     * record's fault: that is retried (and eventually stops the sink); anything else makes a bad label.
     */
    private ConversationLabel decode(ConsumerRecord<byte[], byte[]> record) {
        for (int attempt = 1; ; attempt++) {
            try {
                ConversationLabel label = valueDeserializer.deserialize(record.topic(), record.headers(), record.value());
                if (label == null) {
                    throw new BadLabelException("deserializer returned null for a non-null value");
                }
                return label;
            } catch (BadLabelException e) {
                throw e;
            } catch (RuntimeException e) {
                if (!isUnreachable(e)) {
                    throw new BadLabelException("undecodable value: " + e, e);
                }
                if (attempt >= settings.retryAttempts()) {
                    throw new IllegalStateException("schema registry unreachable while decoding " + record.topic() + "-"
                            + record.partition() + "@" + record.offset() + " after " + attempt + " attempts", e);
                }
                retries.incrementAndGet();
                LOG.warn("schema registry unreachable ({}); retrying", e.toString());
                pause(backoff.delay(attempt));
            }
        }
    }

    private static boolean isUnreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IOException || t instanceof TimeoutException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Legacy layout: one row per conversation per batch, the last one read. Two rows of one conversation
     * in one INSERT would both survive there (their sorting keys differ), and the delete that precedes the
     * INSERT cannot tell them apart.
     */
    private List<Pending> latestPerConversation(List<Pending> rows) {
        Map<ConversationKey, Pending> latest = new LinkedHashMap<>();
        for (Pending p : rows) {
            latest.put(ConversationKey.of(p.label()), p);
        }
        if (latest.size() == rows.size()) {
            return rows;
        }
        superseded.addAndGet(rows.size() - latest.size());
        List<Pending> kept = new ArrayList<>(latest.values());
        kept.sort((a, b) -> Long.compare(a.offset(), b.offset()));
        return kept;
    }

    /**
     * Retries a failed INSERT of {@code rows} (one partition, offset order) while the failure is retriable
     * and attempts remain. Before every retry the sink asks ClickHouse for the partition's highest offset
     * and drops the rows at or below it: the failed attempt may have been committed in full or in part (a
     * cut request can commit a prefix of its rows), and only ClickHouse knows.
     */
    private void retryInsert(TopicPartition tp, List<Pending> rows, int attempts, RuntimeException firstFailure) {
        String queryId = table.insertQueryId(tp.topic(), tp.partition());
        List<Pending> pending = rows;
        RuntimeException failure = firstFailure;
        for (int attempt = 2; ; attempt++) {
            if (!ClickHouseErrors.isRetriable(failure) || attempt > attempts) {
                throw new BatchFailedException(pending, attempt - 1, failure);
            }
            retries.incrementAndGet();
            Duration wait = backoff.delay(attempt - 1);
            LOG.warn("INSERT of {} rows of {}-{} failed (attempt {}/{}): {}; retrying in {} ms", pending.size(), tp.topic(),
                    tp.partition(), attempt - 1, attempts, ClickHouseErrors.describe(failure), wait.toMillis());
            pause(wait);
            try {
                // A timed-out attempt may still be running on the server and commit after we look.
                awaitNoRunningInsert(List.of(queryId));
                OptionalLong held = store.maxOffset(tp.topic(), tp.partition());
                if (held.isPresent()) {
                    long max = held.getAsLong();
                    List<Pending> before = pending;
                    pending = pending.stream().filter(p -> p.offset() > max).toList();
                    if (pending.size() < before.size()) {
                        LOG.info("{}-{}: ClickHouse already holds {} rows of the failed attempt (up to offset {})",
                                tp.topic(), tp.partition(), before.size() - pending.size(), max);
                        rowsWritten.addAndGet(before.size() - pending.size());
                    }
                }
                if (pending.isEmpty()) {
                    batchesWritten.incrementAndGet();
                    return;
                }
                if (settings.layout() == Layout.LEGACY) {
                    deleteCorrected(pending);
                }
                timedInsert(tp, queryId, encode(encoder, tp, pending), pending);
                rowsWritten.addAndGet(pending.size());
                batchesWritten.incrementAndGet();
                return;
            } catch (SinkClosedException e) {
                throw e;
            } catch (RuntimeException e) {
                failure = e;
            }
        }
    }

    /**
     * Legacy layout: deletes every stored row of the conversations a correction or deletion in this batch
     * replaces, and waits for the mutation (and any other pending one on the table) to finish. Rows of this
     * batch are never touched: the mutation only sees parts that exist before it, and the batch's INSERT
     * comes after it. A FINAL label is the conversation's first row and needs no delete.
     */
    private void deleteCorrected(List<Pending> pending) {
        Set<ConversationKey> keys = new HashSet<>();
        for (Pending p : pending) {
            if (p.label().getKind() != LabelKind.FINAL) {
                keys.add(ConversationKey.of(p.label()));
            }
        }
        if (keys.isEmpty()) {
            return;
        }
        store.deleteConversations(keys);
        mutations.incrementAndGet();
        awaitMutations();
    }

    private void awaitMutations() {
        long deadline = System.nanoTime() + settings.mutationTimeout().toNanos();
        long wait = 20;
        while (store.pendingMutations() > 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("mutations on " + table.qualifiedName() + " still running after "
                        + settings.mutationTimeout() + " (sink.mutation.timeout); see system.mutations");
            }
            pause(Duration.ofMillis(wait));
            wait = Math.min(1_000, wait * 2);
        }
    }

    // ---------------------------------------------------------------- resume

    /**
     * Where to resume each newly assigned partition. ClickHouse is asked, not the group's committed
     * offset alone:
     * <ol>
     *   <li>wait until no INSERT of these partitions runs on the server (their fixed query ids, see
     *       {@link LabelTable#insertQueryId}): a previous owner killed after sending a complete body leaves
     *       an INSERT that still commits;</li>
     *   <li>{@code max(kafka_offset)} per partition from the table;</li>
     *   <li>position = max(that + 1, committed offset): the committed offset is written only after
     *       everything below it is in ClickHouse or in the dead-letter topic, so it is a safe floor and it
     *       skips records that leave no row (tombstones, dead letters, rows deleted since);</li>
     *   <li>a partition without rows resumes at its committed offset, or the beginning, except when the
     *       table holds no row of the topic at all: a new (or re-created) table is filled from the
     *       beginning whatever the group committed before.</li>
     * </ol>
     */
    private void resume(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        List<String> queryIds = partitions.stream().map(tp -> table.insertQueryId(tp.topic(), tp.partition())).toList();
        withRetries("wait for running INSERTs", () -> {
            awaitNoRunningInsert(queryIds);
            return null;
        });
        Map<Integer, Long> held = withRetries("read max(kafka_offset)", () -> store.maxOffsets(topic));
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(partitions));
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        for (TopicPartition tp : partitions) {
            Long max = held.get(tp.partition());
            OffsetAndMetadata c = committed.get(tp);
            Long end = ends.get(tp);
            if (max != null && end != null && max + 1 > end) {
                throw new IllegalStateException(table.qualifiedName() + " holds offset " + max + " of " + tp
                        + " but the partition ends at " + end + ": the topic was re-created or truncated. Write to a new table"
                        + " (sink.table) or delete the rows of the old topic (kafka_topic = '" + tp.topic() + "')");
            }
            if (held.isEmpty()) {
                if (c != null) {
                    LOG.warn("{} holds no row of {}: reading {} from the beginning (the group's committed offset {} is ignored)",
                            table.qualifiedName(), topic, tp, c.offset());
                }
                consumer.seekToBeginning(List.of(tp));
            } else if (max != null) {
                long position = Math.max(max + 1, c == null ? 0 : c.offset());
                LOG.info("{}: resuming at {} (ClickHouse holds up to {}, committed {})", tp, position, max,
                        c == null ? "none" : c.offset());
                consumer.seek(tp, position);
            } else if (c != null) {
                consumer.seek(tp, c.offset());
            } else {
                consumer.seekToBeginning(List.of(tp));
            }
        }
    }

    /**
     * Waits until none of {@code queryIds} runs on the server: an INSERT sent by a process that has since
     * died, or by an attempt that timed out, can still commit, and must have done so before the sink reads
     * {@code max(kafka_offset)}.
     */
    private void awaitNoRunningInsert(Collection<String> queryIds) {
        long deadline = System.nanoTime() + clickhouse.socketTimeout().multipliedBy(2).toNanos();
        Set<String> running;
        while (!(running = store.runningQueries(queryIds)).isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("INSERT(s) " + running + " still run on ClickHouse after "
                        + clickhouse.socketTimeout().multipliedBy(2) + "; KILL QUERY them or wait, then restart the sink");
            }
            LOG.info("waiting for INSERT(s) {} of an earlier attempt or owner to finish on ClickHouse", running);
            pause(Duration.ofMillis(100));
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
                PartitionBuffer dropped = buffers.remove(tp);
                if (dropped != null && !dropped.records.isEmpty()) {
                    LOG.warn("{} lost to another group member: {} buffered records left to it", tp, dropped.records.size());
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

    // ---------------------------------------------------------------- retries

    private <T> T withRetries(String what, Supplier<T> request) {
        for (int attempt = 1; ; attempt++) {
            try {
                return request.get();
            } catch (RuntimeException e) {
                if (!ClickHouseErrors.isRetriable(e) || attempt >= settings.retryAttempts()) {
                    throw new IllegalStateException("cannot " + what + ": " + ClickHouseErrors.describe(e), e);
                }
                retries.incrementAndGet();
                Duration wait = backoff.delay(attempt);
                LOG.warn("cannot {} (attempt {}/{}): {}; retrying in {} ms", what, attempt, settings.retryAttempts(),
                        ClickHouseErrors.describe(e), wait.toMillis());
                pause(wait);
            }
        }
    }

    /** Waits, unless the sink is being closed (then gives up the batch: nothing is committed for it). */
    private void pause(Duration wait) {
        try {
            if (closeRequested.await(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new SinkClosedException();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SinkClosedException();
        }
    }

    /** Close was requested while waiting; not a failure. */
    private static final class SinkClosedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SinkClosedException() {
            super("sink closed", null, false, false);
        }
    }

    /** A batch ClickHouse still refused after the last attempt, with the rows it does not hold. */
    static final class BatchFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient List<Pending> remaining;
        final int attempts;

        BatchFailedException(List<Pending> remaining, int attempts, Throwable cause) {
            super("ClickHouse refused a batch of " + remaining.size() + " rows (" + attempts + " attempt(s)): "
                    + ClickHouseErrors.describe(cause), cause);
            this.remaining = remaining;
            this.attempts = attempts;
        }
    }
}
