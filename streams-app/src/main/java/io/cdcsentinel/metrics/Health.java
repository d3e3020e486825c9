package io.cdcsentinel.metrics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * One health verdict and what it is made of: each part ({@code labels}, {@code sink}, {@code clickhouse}, ...) with
 * its state. Served as JSON by {@link Telemetry}: HTTP 200 when {@link #up()}, 503 otherwise.
 */
public record Health(boolean up, Map<String, String> parts) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public Health {
        parts = Map.copyOf(parts);
    }

    /** {@code {"status":"UP","parts":{"labels":"RUNNING"}}}, parts in name order. */
    public String json() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", up ? "UP" : "DOWN");
        body.put("parts", new TreeMap<>(parts));
        try {
            return JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
