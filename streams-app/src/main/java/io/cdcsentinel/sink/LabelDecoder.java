package io.cdcsentinel.sink;

import io.cdcsentinel.avro.ConversationLabel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first step of a batch: records to labels. A tombstone (null value) is counted and skipped; a value that
 * cannot be decoded, or a label the table cannot hold ({@link LabelRowEncoder#validate}), becomes a dead letter
 * of its own instead of failing the batch; a schema registry that cannot be reached is not the record's fault
 * and is retried (within {@code sink.retry.attempts}, then the sink stops). Used by the consumer thread only.
 */
final class LabelDecoder {
    private static final Logger LOG = LoggerFactory.getLogger(LabelDecoder.class);

    /** A batch decoded: the labels to write (offset order) and the records for the dead-letter topic. */
    record Decoded(List<PendingLabel> rows, List<DeadLetters.Letter> letters) {
    }

    private final Deserializer<ConversationLabel> valueDeserializer;
    private final String deadLetterTopic;
    private final int retryAttempts;
    private final Backoff backoff;
    private final CloseSignal closing;
    private final SinkCounters counters;

    LabelDecoder(Deserializer<ConversationLabel> valueDeserializer, String deadLetterTopic, int retryAttempts, Backoff backoff,
            CloseSignal closing, SinkCounters counters) {
        this.valueDeserializer = valueDeserializer;
        this.deadLetterTopic = deadLetterTopic;
        this.retryAttempts = retryAttempts;
        this.backoff = backoff;
        this.closing = closing;
        this.counters = counters;
    }

    Decoded decode(List<ConsumerRecord<byte[], byte[]>> batch) {
        List<PendingLabel> rows = new ArrayList<>(batch.size());
        List<DeadLetters.Letter> letters = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : batch) {
            if (record.value() == null) {
                counters.tombstones.incrementAndGet();
                continue;
            }
            try {
                ConversationLabel label = decode(record);
                LabelRowEncoder.validate(label);
                rows.add(new PendingLabel(label, record));
            } catch (BadLabelException e) {
                LOG.warn("bad label at {}-{}@{}: {}; sent to {}", record.topic(), record.partition(), record.offset(),
                        e.getMessage(), deadLetterTopic);
                letters.add(new DeadLetters.Letter(record, e));
            }
        }
        return new Decoded(rows, letters);
    }

    /**
     * Decodes a value with the registry-aware deserializer. A registry that cannot be reached is not the
     * record's fault: that is retried (and eventually stops the sink); anything else makes a bad label.
     */
    ConversationLabel decode(ConsumerRecord<byte[], byte[]> record) {
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
                if (attempt >= retryAttempts) {
                    throw new IllegalStateException("schema registry unreachable while decoding " + record.topic() + "-"
                            + record.partition() + "@" + record.offset() + " after " + attempt + " attempts", e);
                }
                counters.retries.incrementAndGet();
                LOG.warn("schema registry unreachable ({}); retrying", e.toString());
                closing.pause(backoff.delay(attempt));
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
    List<PendingLabel> latestPerConversation(List<PendingLabel> rows) {
        Map<ConversationKey, PendingLabel> latest = new LinkedHashMap<>();
        for (PendingLabel p : rows) {
            latest.put(ConversationKey.of(p.label()), p);
        }
        if (latest.size() == rows.size()) {
            return rows;
        }
        counters.superseded.addAndGet(rows.size() - latest.size());
        List<PendingLabel> kept = new ArrayList<>(latest.values());
        kept.sort((a, b) -> Long.compare(a.offset(), b.offset()));
        return kept;
    }
}
