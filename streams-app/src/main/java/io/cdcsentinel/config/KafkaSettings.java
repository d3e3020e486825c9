package io.cdcsentinel.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How to reach Kafka and how to create the topics this project owns. Any {@code kafka.client.*} key is
 * passed to every client (producer, consumer, admin, Streams) without the prefix, e.g.
 * {@code kafka.client.security.protocol=SASL_SSL}.
 */
public record KafkaSettings(String bootstrap, Map<String, String> clientProperties, int topicPartitions,
        short topicReplicationFactor, String outputCompression) {

    /** Kafka's topic-level {@code compression.type} values; {@code producer} keeps what the producer sent. */
    public static final List<String> COMPRESSION_TYPES = List.of("producer", "uncompressed", "gzip", "snappy", "lz4", "zstd");

    public static final ConfigKey<String> BOOTSTRAP = ConfigKey.string("kafka.bootstrap",
            "Kafka bootstrap servers, e.g. 127.0.0.1:9092")
            .validate(KafkaSettings::isHostPortList, "a comma-separated list of HOST:PORT").required();
    public static final ConfigKey<Integer> TOPIC_PARTITIONS = ConfigKey.integer("kafka.topic.partitions",
            "partitions of the topics this project creates (CDC topics, outputs); -1 = broker default")
            .withDefault("1").validate(n -> n == -1 || n >= 1, "-1 or an integer >= 1");
    public static final ConfigKey<Integer> TOPIC_REPLICATION = ConfigKey.integer("kafka.topic.replication.factor",
            "replication factor of the topics this project creates; -1 = broker default")
            .withDefault("-1").validate(n -> n == -1 || (n >= 1 && n <= Short.MAX_VALUE), "-1 or an integer >= 1");
    public static final ConfigKey<String> OUTPUT_COMPRESSION = ConfigKey.string("kafka.output.compression.type",
            "compression.type of the output topics (gaps, rates, labels, dead letters) as consumers read them; producer"
                    + " keeps the producers' lz4, gzip or uncompressed for clients without an lz4 codec (kafkajs)")
            .withDefault("producer").validate(COMPRESSION_TYPES::contains, String.join(", ", COMPRESSION_TYPES));
    public static final String CLIENT_PREFIX = "kafka.client.";

    public static final List<ConfigKey<?>> KEYS = List.of(BOOTSTRAP, TOPIC_PARTITIONS, TOPIC_REPLICATION, OUTPUT_COMPRESSION);

    public static KafkaSettings from(ConfigSource source) {
        return new KafkaSettings(BOOTSTRAP.read(source), source.withPrefix(CLIENT_PREFIX), TOPIC_PARTITIONS.read(source),
                TOPIC_REPLICATION.read(source).shortValue(), OUTPUT_COMPRESSION.read(source));
    }

    /** Bootstrap plus the pass-through client properties, ready for any Kafka client. */
    public Map<String, Object> clientConfig() {
        Map<String, Object> config = new HashMap<>(clientProperties);
        config.put("bootstrap.servers", bootstrap);
        return config;
    }

    static boolean isHostPortList(String s) {
        for (String part : s.split(",")) {
            String p = part.trim();
            int colon = p.lastIndexOf(':');
            if (colon <= 0) {
                return false;
            }
            try {
                int port = Integer.parseInt(p.substring(colon + 1));
                if (port < 1 || port > 65535) {
                    return false;
                }
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return true;
    }
}
