package io.cdcsentinel.sink;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Sends original records to the dead-letter topic: the key and value bytes as read, the original
 * headers, and the same {@code __streams.errors.*} headers Kafka Streams' KIP-1034 handlers write
 * (topic, partition, offset, exception, message, stacktrace), so one reader of {@code sentinel-dlq} handles
 * records from the topologies and from the sink alike.
 *
 * <p>{@link #send} returns only when the broker has acknowledged every record (acks=all, idempotent
 * producer): the sink moves its position past a dead-lettered record only after that.
 */
public final class DeadLetters implements AutoCloseable {
    public static final String HEADER_TOPIC = "__streams.errors.topic";
    public static final String HEADER_PARTITION = "__streams.errors.partition";
    public static final String HEADER_OFFSET = "__streams.errors.offset";
    public static final String HEADER_EXCEPTION = "__streams.errors.exception";
    public static final String HEADER_MESSAGE = "__streams.errors.message";
    public static final String HEADER_STACKTRACE = "__streams.errors.stacktrace";

    private final String topic;
    private final KafkaProducer<byte[], byte[]> producer;

    public DeadLetters(String topic, Map<String, Object> clientConfig, String clientId) {
        this.topic = topic;
        Map<String, Object> config = new java.util.HashMap<>(clientConfig);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        this.producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    public String topic() {
        return topic;
    }

    /** One record and why it was rejected. */
    public record Letter(ConsumerRecord<byte[], byte[]> record, Throwable reason) {
    }

    /** Sends every letter and waits for all acknowledgements. */
    public void send(List<Letter> letters) {
        if (letters.isEmpty()) {
            return;
        }
        List<Future<RecordMetadata>> acks = new ArrayList<>(letters.size());
        for (Letter letter : letters) {
            acks.add(producer.send(toDeadLetter(topic, letter.record(), letter.reason())));
        }
        producer.flush();
        for (Future<RecordMetadata> ack : acks) {
            try {
                ack.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while sending to dead-letter topic " + topic, e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("cannot send to dead-letter topic " + topic + ": " + e.getCause(), e.getCause());
            }
        }
    }

    static ProducerRecord<byte[], byte[]> toDeadLetter(String dlqTopic, ConsumerRecord<byte[], byte[]> record, Throwable reason) {
        ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(dlqTopic, null,
                record.timestamp() >= 0 ? record.timestamp() : null, record.key(), record.value());
        for (Header header : record.headers()) {
            out.headers().add(header);
        }
        out.headers().add(HEADER_EXCEPTION, utf8(reason.getClass().getName()));
        out.headers().add(HEADER_MESSAGE, utf8(String.valueOf(reason.getMessage())));
        java.io.StringWriter trace = new java.io.StringWriter();
        reason.printStackTrace(new java.io.PrintWriter(trace));
        out.headers().add(HEADER_STACKTRACE, utf8(trace.toString()));
        out.headers().add(HEADER_TOPIC, utf8(record.topic()));
        out.headers().add(HEADER_PARTITION, utf8(Integer.toString(record.partition())));
        out.headers().add(HEADER_OFFSET, utf8(Long.toString(record.offset())));
        return out;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        producer.close();
    }
}
