package io.cdcsentinel.sink;

import io.cdcsentinel.config.ConfigSource;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** TEMPORARY until the shared test harness lands: endpoints of servers started by hand, from SINK_IT_* variables. */
final class InterimStack {
    private InterimStack() {
    }

    static ConfigSource config(String owner, Map<String, String> overrides) {
        String id = owner.toLowerCase() + "_" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> values = new HashMap<>();
        values.put("kafka.bootstrap", System.getenv("SINK_IT_KAFKA"));
        values.put("registry.url", System.getenv("SINK_IT_REGISTRY"));
        values.put("clickhouse.url", System.getenv("SINK_IT_CLICKHOUSE"));
        values.put("clickhouse.database", id);
        values.put("topics.labels", id + "-conversation-labels");
        values.put("topics.dlq", id + "-sentinel-dlq");
        values.put("streams.application.id", id);
        values.putAll(overrides);
        return ConfigSource.of(values);
    }
}
