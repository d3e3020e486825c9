package io.cdcsentinel.cdc;

import io.cdcsentinel.config.CdcSettings;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.PostgresSettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.metrics.KafkaClientBinding;
import io.cdcsentinel.metrics.Meters;
import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Debezium's embedded PostgreSQL connector writing to Kafka, the way a Kafka Connect worker would:
 * same topics ({@code <prefix>.<schema>.<table>}), same keys and envelopes (JSON converter, schemas
 * disabled), tombstones after deletes, offsets in a Kafka topic.
 *
 * <p>Delivery is at-least-once and ordered per key: each batch from the engine is sent with an
 * idempotent producer ({@code acks=all}), flushed, and only then marked processed, so the offset the
 * engine commits (and the LSN it confirms to the replication slot) never runs ahead of what Kafka has
 * acknowledged. A crash between the flush and the offset commit re-sends that window on restart; the
 * topologies are idempotent to such duplicates. The producer rides out broker outages up to
 * {@link #DELIVERY_TIMEOUT}; past that the runner stops with an error and a restart resumes.
 */
public final class CdcRunner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CdcRunner.class);
    /** How long a record may wait for an unavailable broker before the runner gives up. */
    static final Duration DELIVERY_TIMEOUT = Duration.ofMinutes(10);

    private final Properties engineProperties;
    private final KafkaSettings kafka;
    private final CdcSettings cdc;
    private final TopicNames topics;
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicLong lastBatchMillis = new AtomicLong();
    private final java.util.function.BiConsumer<String, String> acknowledged;
    private KafkaProducer<byte[], byte[]> producer;
    private final KafkaClientBinding clientMetrics = new KafkaClientBinding("cdc");
    private DebeziumEngine<ChangeEvent<String, String>> engine;
    private ExecutorService executor;

    public CdcRunner(PostgresSettings postgres, KafkaSettings kafka, CdcSettings cdc, TopicNames topics) {
        this(postgres, kafka, cdc, topics, Map.of(), (topic, value) -> { });
    }

    /**
     * A runner whose engine gets {@code engineOverrides} on top of {@link DebeziumProperties#embedded} (the backfill's
     * re-snapshot: read-only incremental snapshots, the in-process signal channel, its notification channel), and whose
     * {@code acknowledged} is called for every record once Kafka has acknowledged it (topic, JSON value or null), on the
     * engine's thread: how the re-snapshot knows its rows are all in Kafka.
     */
    public CdcRunner(PostgresSettings postgres, KafkaSettings kafka, CdcSettings cdc, TopicNames topics,
            Map<String, String> engineOverrides, java.util.function.BiConsumer<String, String> acknowledged) {
        this.acknowledged = acknowledged;
        this.engineProperties = DebeziumProperties.embedded(postgres, kafka, cdc, topics);
        this.engineProperties.putAll(engineOverrides);
        this.kafka = kafka;
        this.cdc = cdc;
        this.topics = topics;
    }

    /** Kafka's own metrics of the producer that writes the change events, for {@code /metrics}. */
    public KafkaClientBinding clientMetrics() {
        return clientMetrics;
    }

    /** Creates the topics it writes, then starts the engine on its own thread. */
    public synchronized void start() {
        if (engine != null) {
            throw new IllegalStateException("already started");
        }
        CdcTopics.ensure(kafka, cdc, topics);
        producer = new KafkaProducer<>(producerConfig(kafka, cdc), new ByteArraySerializer(), new ByteArraySerializer());
        clientMetrics.attach(producer);
        engine = DebeziumEngine.create(Json.class)
                .using(engineProperties)
                .notifying(this::handleBatch)
                .using((success, message, error) -> {
                    if (!success) {
                        failure.compareAndSet(null, error != null ? error : new IllegalStateException(message));
                        LOG.error("Debezium engine stopped: {}", message, error);
                    } else {
                        LOG.info("Debezium engine stopped: {}", message);
                    }
                    stopped.countDown();
                })
                .build();
        executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "sentinel-cdc-engine");
            t.setDaemon(false);
            return t;
        });
        executor.execute(engine);
        LOG.info("CDC started: slot {}, publication {}, topics {}.*", cdc.slotName(), cdc.publicationName(), topics.prefix());
    }

    /**
     * The producer of the change topics. Ordering and durability are fixed (acks=all, idempotence, at most 5
     * in-flight requests); batching and compression are defaults that {@code kafka.client.*} may override.
     */
    static Map<String, Object> producerConfig(KafkaSettings kafka, CdcSettings cdc) {
        Map<String, Object> config = kafka.clientConfig();
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        config.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) DELIVERY_TIMEOUT.toMillis());
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, cdc.name() + "-producer");
        return config;
    }

    private void handleBatch(List<ChangeEvent<String, String>> records,
            DebeziumEngine.RecordCommitter<ChangeEvent<String, String>> committer) throws InterruptedException {
        List<Future<RecordMetadata>> sends = new ArrayList<>(records.size());
        for (ChangeEvent<String, String> record : records) {
            byte[] key = record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8);
            byte[] value = record.value() == null ? null : record.value().getBytes(StandardCharsets.UTF_8);
            sends.add(producer.send(new ProducerRecord<>(record.destination(), key, value)));
        }
        producer.flush();
        for (int i = 0; i < sends.size(); i++) {
            try {
                sends.get(i).get();
            } catch (ExecutionException e) {
                // Not acknowledged: do not mark anything processed; the engine stops and a restart
                // resumes from the last committed offset (no loss).
                throw new IllegalStateException("Kafka did not acknowledge a change for " + records.get(i).destination()
                        + ": " + e.getCause(), e.getCause());
            }
        }
        for (ChangeEvent<String, String> record : records) {
            committer.markProcessed(record);
            acknowledged.accept(record.destination(), record.value());
            counts.computeIfAbsent(record.destination(), t -> new AtomicLong()).incrementAndGet();
            Meters.CDC_RECORDS.increment(tableOf(record.destination()));
        }
        committer.markBatchFinished();
        lastBatchMillis.set(System.currentTimeMillis());

    }

    /** {@code <schema>.<table>} of a change topic {@code <prefix>.<schema>.<table>} (a bounded metric tag). */
    private String tableOf(String topic) {
        String prefix = topics.prefix() + ".";
        return topic.startsWith(prefix) ? topic.substring(prefix.length()) : topic;
    }

    /** Records written so far, per topic (tombstones and heartbeats included). */
    public Map<String, Long> counts() {
        Map<String, Long> snapshot = new java.util.TreeMap<>();
        counts.forEach((k, v) -> snapshot.put(k, v.get()));
        return snapshot;
    }

    public long lastBatchMillis() {
        return lastBatchMillis.get();
    }

    /**
     * Sends a signal through Debezium's in-process channel ({@code signal.enabled.channels} must include
     * {@code in-process}), e.g. an {@code execute-snapshot}.
     */
    public synchronized void signal(DebeziumEngine.Signal signal) {
        if (engine == null) {
            throw new IllegalStateException("not started");
        }
        engine.getSignaler().signal(signal);
    }

    /** Waits until the engine stops (error or {@link #close}); returns its failure, if any. */
    public Throwable awaitStop(Duration timeout) throws InterruptedException {
        stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return failure.get();
    }

    public boolean isRunning() {
        return engine != null && stopped.getCount() > 0;
    }

    public Throwable failure() {
        return failure.get();
    }

    /** Stops the engine (it commits the offsets of what was processed), then the producer. */
    @Override
    public synchronized void close() {
        if (engine == null) {
            return;
        }
        try {
            engine.close();
        } catch (IOException e) {
            LOG.warn("closing the Debezium engine failed", e);
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(60, TimeUnit.SECONDS)) {
                LOG.warn("Debezium engine did not stop within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        clientMetrics.close();
        producer.close(Duration.ofSeconds(30));
        engine = null;
        LOG.info("CDC stopped; records written: {}", counts());
    }
}
