package io.cdcsentinel.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/**
 * Kafka's own client metrics (Micrometer's {@link KafkaClientMetrics} binder: fetch and produce rates, lag, request
 * latencies, errors) for the clients a component creates when it starts, which is after {@code /metrics} is set up:
 * a client attached before the registry is bound is bound with it, one attached after is bound at once. Tagged with
 * {@code client} (the component) besides the binder's own {@code client.id}.
 */
public final class KafkaClientBinding implements MeterBinder, AutoCloseable {
    private final String component;
    private final List<KafkaClientMetrics> clients = new ArrayList<>();
    private MeterRegistry registry;

    public KafkaClientBinding(String component) {
        this.component = component;
    }

    public synchronized void attach(Consumer<?, ?> consumer) {
        add(new KafkaClientMetrics(consumer, Tags.of("client", component)));
    }

    public synchronized void attach(Producer<?, ?> producer) {
        add(new KafkaClientMetrics(producer, Tags.of("client", component)));
    }

    private void add(KafkaClientMetrics metrics) {
        clients.add(metrics);
        if (registry != null) {
            metrics.bindTo(registry);
        }
    }

    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        this.registry = registry;
        clients.forEach(c -> c.bindTo(registry));
    }

    /** Stops the binders' refreshes (call before or when the clients close). */
    @Override
    public synchronized void close() {
        clients.forEach(KafkaClientMetrics::close);
        clients.clear();
    }
}
