package io.cdcsentinel.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class DeadLettersTest {

    @Test
    void shouldKeepTheOriginalBytesAndHeadersAndAddWhereAndWhy() {
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>("conversation-labels", 3, 77L, utf8("key"), utf8("garbage"));
        record.headers().add("trace-id", utf8("abc"));
        ProducerRecord<byte[], byte[]> letter = DeadLetters.toDeadLetter("sentinel-dlq", record,
                new BadLabelException("undecodable value"));
        assertThat(letter.topic()).isEqualTo("sentinel-dlq");
        assertThat(letter.key()).isEqualTo(utf8("key"));
        assertThat(letter.value()).isEqualTo(utf8("garbage"));
        assertThat(header(letter, "trace-id")).isEqualTo("abc");
        assertThat(header(letter, DeadLetters.HEADER_TOPIC)).isEqualTo("conversation-labels");
        assertThat(header(letter, DeadLetters.HEADER_PARTITION)).isEqualTo("3");
        assertThat(header(letter, DeadLetters.HEADER_OFFSET)).isEqualTo("77");
        assertThat(header(letter, DeadLetters.HEADER_EXCEPTION)).isEqualTo(BadLabelException.class.getName());
        assertThat(header(letter, DeadLetters.HEADER_MESSAGE)).isEqualTo("undecodable value");
        assertThat(header(letter, DeadLetters.HEADER_STACKTRACE)).contains("BadLabelException");
    }

    @Test
    void shouldUseTheHeaderNamesOfKafkaStreamsDeadLetters() {
        // KIP-1034: one reader of the dead-letter topic for the topologies and the sink
        assertThat(DeadLetters.HEADER_TOPIC).isEqualTo(
                org.apache.kafka.streams.errors.internals.ExceptionHandlerUtils.HEADER_ERRORS_TOPIC_NAME);
        assertThat(DeadLetters.HEADER_PARTITION).isEqualTo(
                org.apache.kafka.streams.errors.internals.ExceptionHandlerUtils.HEADER_ERRORS_PARTITION_NAME);
        assertThat(DeadLetters.HEADER_OFFSET).isEqualTo(
                org.apache.kafka.streams.errors.internals.ExceptionHandlerUtils.HEADER_ERRORS_OFFSET_NAME);
        assertThat(DeadLetters.HEADER_EXCEPTION).isEqualTo(
                org.apache.kafka.streams.errors.internals.ExceptionHandlerUtils.HEADER_ERRORS_EXCEPTION_NAME);
        assertThat(DeadLetters.HEADER_MESSAGE).isEqualTo(
                org.apache.kafka.streams.errors.internals.ExceptionHandlerUtils.HEADER_ERRORS_EXCEPTION_MESSAGE_NAME);
    }

    private static String header(ProducerRecord<byte[], byte[]> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
