package io.cdcsentinel.topology;

import io.cdcsentinel.metrics.Meters;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.MDC;

/**
 * Kafka's log-and-continue handlers (the record goes to {@code errors.dead.letter.queue.topic.name}, the log line
 * names the task, topic, partition and offset), plus: the record's position in the logging context
 * ({@code kafka.topic}, {@code kafka.partition}, {@code kafka.offset}, {@code kafka.task}: fields of their own in
 * JSON logs) and a count in {@code sentinel_dead_letters_total{component=<application id>, reason}}, the reason
 * being the stage ({@code deserialization}, {@code processing}) and the exception's class.
 */
public final class CountingDeadLetterHandlers {
    private CountingDeadLetterHandlers() {
    }

    /** For {@code deserialization.exception.handler}. */
    public static final class Deserialization extends LogAndContinueExceptionHandler {
        private String application = "";

        @Override
        public void configure(Map<String, ?> configs) {
            super.configure(configs);
            application = String.valueOf(configs.get(StreamsConfig.APPLICATION_ID_CONFIG));
        }

        @Override
        public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
            Meters.DEAD_LETTERS.increment(application, "deserialization:" + exception.getClass().getSimpleName());
            try (var scope = Position.of(context)) {
                return super.handleError(context, record, exception);
            }
        }
    }

    /** For {@code processing.exception.handler}. */
    public static final class Processing extends LogAndContinueProcessingExceptionHandler {
        private String application = "";

        @Override
        public void configure(Map<String, ?> configs) {
            super.configure(configs);
            application = String.valueOf(configs.get(StreamsConfig.APPLICATION_ID_CONFIG));
        }

        @Override
        public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
            Meters.DEAD_LETTERS.increment(application, "processing:" + exception.getClass().getSimpleName());
            try (var scope = Position.of(context)) {
                return super.handleError(context, record, exception);
            }
        }
    }

    /** The record's position in the logging context while the handler logs. */
    private record Position(MDC.MDCCloseable topic, MDC.MDCCloseable partition, MDC.MDCCloseable offset,
            MDC.MDCCloseable task) implements AutoCloseable {
        static Position of(ErrorHandlerContext context) {
            return new Position(MDC.putCloseable("kafka.topic", context.topic()),
                    MDC.putCloseable("kafka.partition", String.valueOf(context.partition())),
                    MDC.putCloseable("kafka.offset", String.valueOf(context.offset())),
                    MDC.putCloseable("kafka.task", String.valueOf(context.taskId())));
        }

        @Override
        public void close() {
            topic.close();
            partition.close();
            offset.close();
            task.close();
        }
    }
}
