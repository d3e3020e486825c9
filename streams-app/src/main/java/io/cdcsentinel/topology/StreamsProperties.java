package io.cdcsentinel.topology;

import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.StreamsSettings;
import io.cdcsentinel.config.TopicNames;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The Kafka Streams configuration both topologies share.
 *
 * <ul>
 *   <li>{@code exactly_once_v2}: outputs, state changelogs and input offsets commit atomically, so a
 *       crash or restart neither loses nor repeats an alert or a label.</li>
 *   <li>Bad input never stops the pipeline (architecture invariant 5): the deserialization and
 *       processing handlers log topic/partition/offset, Streams counts the record in its
 *       {@code dropped-records} metric, and the original bytes go to the dead-letter topic with
 *       {@code __streams.errors.*} headers (KIP-1034), in the same transaction.</li>
 *   <li>Event time is the source commit time ({@link ChangeEventTimestampExtractor}), and a task waits up to
 *       {@code streams.max.task.idle} for all its input partitions so that it reads them in that order.</li>
 *   <li>RocksDB memory is bounded per process ({@link BoundedMemoryRocksDbConfig}): one shared block cache that
 *       the memtables are charged to.</li>
 *   <li>Static membership when {@code streams.instance.name} is set: a restart after a crash rejoins at once.</li>
 * </ul>
 */
public final class StreamsProperties {
    private StreamsProperties() {
    }

    public static Properties create(String applicationId, KafkaSettings kafka, StreamsSettings streams, TopicNames topics) {
        Properties props = new Properties();
        kafka.clientConfig().forEach(props::put);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, streams.stateDir().toString());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, streams.threads());
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, streams.commitInterval().toMillis());
        props.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, streams.maxTaskIdle().toMillis());
        props.put(StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR_CLASS_CONFIG, ChangeEventTimestampExtractor.class.getName());
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, CountingDeadLetterHandlers.Deserialization.class.getName());
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, CountingDeadLetterHandlers.Processing.class.getName());
        props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, topics.deadLetters());
        props.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedMemoryRocksDbConfig.class.getName());
        props.put(BoundedMemoryRocksDbConfig.MEMORY_BYTES, streams.rocksDbMemoryMb() << 20);
        props.put(BoundedMemoryRocksDbConfig.WRITE_BUFFER_RATIO, streams.rocksDbWriteBufferRatio());
        if (kafka.topicReplicationFactor() > 0) {
            props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) kafka.topicReplicationFactor());
        }
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        streams.groupInstanceId(applicationId).ifPresent(id ->
                props.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), id));
        // lz4 unless kafka.client.* chooses (compression.type or producer.compression.type)
        props.putIfAbsent(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG),
                props.getOrDefault(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"));
        return props;
    }
}
