package io.cdcsentinel.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

class StreamsBenchTest {

    @Test
    void shouldCountChangesPerKeyThroughARepartitionTopicAndWriteNothingElse() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "floor");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        try (TopologyTestDriver driver = new TopologyTestDriver(StreamsBench.statefulFloor(List.of("a", "b")), props)) {
            TestInputTopic<byte[], byte[]> a = driver.createInputTopic("a", new ByteArraySerializer(), new ByteArraySerializer());
            TestInputTopic<byte[], byte[]> b = driver.createInputTopic("b", new ByteArraySerializer(), new ByteArraySerializer());
            a.pipeInput(bytes("k1"), bytes("{\"op\":\"c\"}"));
            b.pipeInput(bytes("k2"), bytes("{\"op\":\"c\"}"));
            a.pipeInput(bytes("k1"), bytes("{\"op\":\"u\"}"));
            a.pipeInput(bytes("k1"), (byte[]) null);

            KeyValueStore<byte[], Long> counts = driver.getKeyValueStore(StreamsBench.FLOOR_STORE);
            // the tombstone is read and re-partitioned, but a grouped stream does not count null values
            assertThat(counts.get(bytes("k1"))).isEqualTo(2L);
            assertThat(counts.get(bytes("k2"))).isEqualTo(1L);
            assertThat(driver.producedTopicNames()).containsExactlyInAnyOrder(
                    "floor-" + StreamsBench.FLOOR_REPARTITION + "-repartition",
                    "floor-" + StreamsBench.FLOOR_STORE + "-changelog");
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
