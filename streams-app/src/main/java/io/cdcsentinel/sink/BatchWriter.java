package io.cdcsentinel.sink;

import io.cdcsentinel.avro.LabelKind;
import io.cdcsentinel.config.SinkSettings;
import io.cdcsentinel.config.SinkSettings.Layout;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sink's writes to ClickHouse and their retries: one INSERT per batch under the partition's fixed query id
 * ({@link LabelTable#insertQueryId}), the retry of a failed INSERT that first asks ClickHouse what the failed
 * attempt left (and drops those rows), the legacy layout's delete mutation, the wait for INSERTs still running on
 * the server, and {@link #withRetries} for every other request. Retriable failures are the ones
 * {@link ClickHouseErrors#isRetriable} names; waits use {@code sink.retry.backoff[.max]} and end at once when the
 * sink is closed.
 *
 * <p>{@link #insert} runs on the inserter thread; everything else on the consumer thread (which owns
 * {@code encoder}).
 */
final class BatchWriter {
    private static final Logger LOG = LoggerFactory.getLogger(BatchWriter.class);

    private final SinkStore store;
    private final LabelTable table;
    private final SinkSettings settings;
    private final Duration socketTimeout;
    private final Backoff backoff;
    private final CloseSignal closing;
    private final SinkCounters counters;
    /** The consumer thread's encoder, for the rows of a retry. */
    private final LabelRowEncoder encoder;

    BatchWriter(SinkStore store, LabelTable table, SinkSettings settings, Duration socketTimeout, Backoff backoff,
            CloseSignal closing, SinkCounters counters, LabelRowEncoder encoder) {
        this.store = store;
        this.table = table;
        this.settings = settings;
        this.socketTimeout = socketTimeout;
        this.backoff = backoff;
        this.closing = closing;
        this.counters = counters;
        this.encoder = encoder;
    }

    String queryId(TopicPartition tp) {
        return table.insertQueryId(tp.topic(), tp.partition());
    }

    /** One attempt of one batch's INSERT; {@code rows} are what {@code body} holds, for the log. */
    void insert(TopicPartition tp, String queryId, LabelRowEncoder.RowBuffer body, List<PendingLabel> rows) {
        long started = System.nanoTime();
        store.insert(queryId, body);
        if (LOG.isDebugEnabled()) {
            LOG.debug("{}-{}: {} rows ({} bytes) up to offset {} written in {} ms", tp.topic(), tp.partition(), rows.size(),
                    body.size(), rows.get(rows.size() - 1).offset(), (System.nanoTime() - started) / 1_000_000);
        }
    }

    /**
     * Retries a failed INSERT of {@code rows} (one partition, offset order) while the failure is retriable
     * and attempts remain. Before every retry the sink asks ClickHouse for the partition's highest offset
     * and drops the rows at or below it: the failed attempt may have been committed in full or in part (a
     * cut request can commit a prefix of its rows), and only ClickHouse knows.
     *
     * @throws BatchFailedException with the rows ClickHouse does not hold, once it gives up
     */
    void retryInsert(TopicPartition tp, List<PendingLabel> rows, int attempts, RuntimeException firstFailure) {
        String queryId = queryId(tp);
        List<PendingLabel> pending = rows;
        RuntimeException failure = firstFailure;
        for (int attempt = 2; ; attempt++) {
            if (!ClickHouseErrors.isRetriable(failure) || attempt > attempts) {
                throw new BatchFailedException(pending, attempt - 1, failure);
            }
            counters.retries.incrementAndGet();
            Duration wait = backoff.delay(attempt - 1);
            LOG.warn("INSERT of {} rows of {}-{} failed (attempt {}/{}): {}; retrying in {} ms", pending.size(), tp.topic(),
                    tp.partition(), attempt - 1, attempts, ClickHouseErrors.describe(failure), wait.toMillis());
            closing.pause(wait);
            try {
                // A timed-out attempt may still be running on the server and commit after we look.
                awaitNoRunningInsert(List.of(queryId));
                OptionalLong held = store.maxOffset(tp.topic(), tp.partition());
                if (held.isPresent()) {
                    long max = held.getAsLong();
                    List<PendingLabel> before = pending;
                    pending = pending.stream().filter(p -> p.offset() > max).toList();
                    if (pending.size() < before.size()) {
                        LOG.info("{}-{}: ClickHouse already holds {} rows of the failed attempt (up to offset {})",
                                tp.topic(), tp.partition(), before.size() - pending.size(), max);
                        counters.rowsWritten.addAndGet(before.size() - pending.size());
                    }
                }
                if (pending.isEmpty()) {
                    counters.batchesWritten.incrementAndGet();
                    return;
                }
                if (settings.layout() == Layout.LEGACY) {
                    deleteCorrected(pending);
                }
                insert(tp, queryId, encoder.encode(tp.partition(), pending), pending);
                counters.rowsWritten.addAndGet(pending.size());
                counters.batchesWritten.incrementAndGet();
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
    void deleteCorrected(List<PendingLabel> pending) {
        Set<ConversationKey> keys = new HashSet<>();
        for (PendingLabel p : pending) {
            if (p.label().getKind() != LabelKind.FINAL) {
                keys.add(ConversationKey.of(p.label()));
            }
        }
        if (keys.isEmpty()) {
            return;
        }
        store.deleteConversations(keys);
        counters.mutations.incrementAndGet();
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
            closing.pause(Duration.ofMillis(wait));
            wait = Math.min(1_000, wait * 2);
        }
    }

    /**
     * Waits until none of {@code queryIds} runs on the server: an INSERT sent by a process that has since
     * died, or by an attempt that timed out, can still commit, and must have done so before the sink reads
     * {@code max(kafka_offset)}.
     */
    void awaitNoRunningInsert(Collection<String> queryIds) {
        long deadline = System.nanoTime() + socketTimeout.multipliedBy(2).toNanos();
        Set<String> running;
        while (!(running = store.runningQueries(queryIds)).isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("INSERT(s) " + running + " still run on ClickHouse after "
                        + socketTimeout.multipliedBy(2) + "; KILL QUERY them or wait, then restart the sink");
            }
            LOG.info("waiting for INSERT(s) {} of an earlier attempt or owner to finish on ClickHouse", running);
            closing.pause(Duration.ofMillis(100));
        }
    }

    /** A request other than a batch's INSERT, retried while it fails retriably, within {@code sink.retry.attempts}. */
    <T> T withRetries(String what, Supplier<T> request) {
        for (int attempt = 1; ; attempt++) {
            try {
                return request.get();
            } catch (RuntimeException e) {
                if (!ClickHouseErrors.isRetriable(e) || attempt >= settings.retryAttempts()) {
                    throw new IllegalStateException("cannot " + what + ": " + ClickHouseErrors.describe(e), e);
                }
                counters.retries.incrementAndGet();
                Duration wait = backoff.delay(attempt);
                LOG.warn("cannot {} (attempt {}/{}): {}; retrying in {} ms", what, attempt, settings.retryAttempts(),
                        ClickHouseErrors.describe(e), wait.toMillis());
                closing.pause(wait);
            }
        }
    }

    /** A batch ClickHouse still refused after the last attempt, with the rows it does not hold. */
    static final class BatchFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient List<PendingLabel> remaining;
        final int attempts;

        BatchFailedException(List<PendingLabel> remaining, int attempts, Throwable cause) {
            super("ClickHouse refused a batch of " + remaining.size() + " rows (" + attempts + " attempt(s)): "
                    + ClickHouseErrors.describe(cause), cause);
            this.remaining = remaining;
            this.attempts = attempts;
        }
    }
}
