package io.cdcsentinel.config;

import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The schema registry and the Avro serde. {@code registry.url} is the registry's base URL; the serde gets
 * both Apicurio's v3 endpoint ({@code apicurio.registry.url}) and the Confluent-compatible endpoint
 * ({@code schema.registry.url}), so either Apicurio's serde (default) or Confluent's
 * {@code io.confluent.kafka.streams.serdes.avro.SpecificAvroSerde} can be plugged in through
 * {@code serde.avro.class}. Any {@code serde.avro.config.*} key is passed to the serde verbatim. Apicurio's
 * serde writes Confluent's wire format with content ids, so consumers with either serde, or with nothing but
 * Confluent's format and the ccompat API, can read every Avro topic.
 */
public record RegistrySettings(URI url, String serdeClass, Map<String, String> serdeProperties) {

    public static final String APICURIO_SERDE = "io.apicurio.registry.serde.avro.AvroSerde";

    public static final ConfigKey<URI> URL = ConfigKey.httpUrl("registry.url",
            "schema registry base URL, e.g. http://127.0.0.1:8081 (Apicurio: its /apis/registry/v3 and /apis/ccompat/v7 are derived)")
            .required();
    public static final ConfigKey<String> SERDE_CLASS = ConfigKey.string("serde.avro.class",
            "Kafka Serde class for the Avro topics (a registry-aware SpecificRecord serde)")
            .withDefault(APICURIO_SERDE).validate(RegistrySettings::isLoadableSerde, "the name of a class on the classpath that implements org.apache.kafka.common.serialization.Serde");
    public static final String SERDE_PREFIX = "serde.avro.config.";

    public static final List<ConfigKey<?>> KEYS = List.of(URL, SERDE_CLASS);

    public static RegistrySettings from(ConfigSource source) {
        return new RegistrySettings(URL.read(source), SERDE_CLASS.read(source), source.withPrefix(SERDE_PREFIX));
    }

    public String apicurioApiUrl() {
        return base() + "/apis/registry/v3";
    }

    public String confluentCompatUrl() {
        return base() + "/apis/ccompat/v7";
    }

    private String base() {
        String s = url.toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    /** Properties handed to the serde's {@code configure}: both registry URLs, auto-registration, pass-throughs. */
    public Map<String, Object> serdeConfig() {
        Map<String, Object> config = new HashMap<>();
        config.put("apicurio.registry.url", apicurioApiUrl());
        config.put("apicurio.registry.auto-register", "true");
        config.put("apicurio.registry.find-latest", "true");
        // Confluent's wire format: magic byte + 4-byte id, the id being the content id, which is what the
        // registry's Confluent-compatible API (/apis/ccompat/v7/schemas/ids/{id}) serves. These are the
        // v3 serde's defaults today; set explicitly so a consumer that only knows Confluent's format keeps
        // working whatever a later serde version defaults to.
        config.put("apicurio.registry.id-handler", "io.apicurio.registry.serde.Default4ByteIdHandler");
        config.put("apicurio.registry.use-id", "contentId");
        // Register each schema whole. By default the v3 serde registers every nested enum and record as an
        // artifact of its own and the value schema with references to them, which /schemas/ids/{id} then
        // serves unparsable on its own ("Undefined schema: io.cdcsentinel.avro.GapEventType").
        config.put("apicurio.registry.dereference-schema", "true");
        config.put("schema.registry.url", confluentCompatUrl());
        config.put("specific.avro.reader", "true"); // Confluent's serde
        config.put("apicurio.registry.use-specific-avro-reader", "true"); // Apicurio's: else it returns GenericData.Record
        config.putAll(serdeProperties);
        return config;
    }

    static boolean isLoadableSerde(String className) {
        try {
            Class<?> c = Class.forName(className, false, RegistrySettings.class.getClassLoader());
            return org.apache.kafka.common.serialization.Serde.class.isAssignableFrom(c);
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
