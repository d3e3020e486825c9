package io.cdcsentinel.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcsentinel.metrics.Meters;
import io.cdcsentinel.metrics.SummedGauge;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

class TaskGaugeStoreTest {
    private static final SummedGauge GAUGE = Meters.LABELS_HELD;

    private static KeyValueStore<String, Long> store() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "gauge-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>(props);
        KeyValueStore<String, Long> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("counts"),
                org.apache.kafka.common.serialization.Serdes.String(), org.apache.kafka.common.serialization.Serdes.Long())
                .withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        return store;
    }

    @Test
    void shouldSeedOnceFromTheStateItCountsThenKeepCountsInItsStore() {
        KeyValueStore<String, Long> store = store();
        List<String> tenant = List.of("seed-customer");
        AtomicInteger scans = new AtomicInteger();

        TaskGaugeStore first = new TaskGaugeStore(store, GAUGE, count -> {
            scans.incrementAndGet();
            count.accept(tenant, 1);
            count.accept(tenant, 1);
        });
        assertThat(GAUGE.value(tenant)).as("seeded from a scan of the existing state").isEqualTo(2);
        first.add(tenant, -1);
        first.add(List.of("other-customer"), 3);
        assertThat(GAUGE.value(tenant)).isEqualTo(1);
        first.close();
        assertThat(GAUGE.value(tenant)).isZero();
        assertThat(GAUGE.value(List.of("other-customer"))).isZero();

        TaskGaugeStore reopened = new TaskGaugeStore(store, GAUGE, count -> scans.incrementAndGet());
        assertThat(scans).as("seeded once").hasValue(1);
        assertThat(GAUGE.value(tenant)).isEqualTo(1);
        assertThat(GAUGE.value(List.of("other-customer"))).isEqualTo(3);
        reopened.add(tenant, -1);
        assertThat(store.get("seed-customer")).as("a count of 0 leaves no key behind").isNull();
        reopened.close();
        assertThat(GAUGE.value(List.of("other-customer"))).isZero();
    }
}
