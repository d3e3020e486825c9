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
 *
 * <p>{@code registry.auto.register} is off by default: in production the schemas are registered by an explicit
 * step, {@code bin/sentinel schemas register}, which also sets the subjects' BACKWARD rule, and the serdes only look
 * the schema of this build up (by content). Otherwise whichever instance starts first registers whatever schema it
 * was built with, with no rule in place.
 */
public record RegistrySettings(URI url, String serdeClass, Map<String, String> serdeProperties, boolean autoRegister) {

    public static final String APICURIO_SERDE = "io.apicurio.registry.serde.avro.AvroSerde";

    public static final ConfigKey<URI> URL = ConfigKey.httpUrl("registry.url",
            "schema registry base URL, e.g. http://127.0.0.1:8081 (Apicurio: its /apis/registry/v3 and /apis/ccompat/v7 are derived)")
            .required();
    public static final ConfigKey<String> SERDE_CLASS = ConfigKey.string("serde.avro.class",
            "Kafka Serde class for the Avro topics (a registry-aware SpecificRecord serde)")
            .withDefault(APICURIO_SERDE).validate(RegistrySettings::isLoadableSerde, "the name of a class on the classpath that implements org.apache.kafka.common.serialization.Serde");
    public static final ConfigKey<Boolean> AUTO_REGISTER = ConfigKey.bool("registry.auto.register",
            "let the serdes register the schemas of this build on first use (true), or only look them up (false: register"
                    + " them first with `bin/sentinel schemas register`, which also sets the BACKWARD rule; `run` checks at"
                    + " start-up that they are registered)")
            .withDefault("false");
    public static final String SERDE_PREFIX = "serde.avro.config.";

    public static final List<ConfigKey<?>> KEYS = List.of(URL, SERDE_CLASS, AUTO_REGISTER);

    /** Settings that leave auto-registration off (the default). */
    public RegistrySettings(URI url, String serdeClass, Map<String, String> serdeProperties) {
        this(url, serdeClass, serdeProperties, false);
    }

    public static RegistrySettings from(ConfigSource source) {
        return new RegistrySettings(URL.read(source), SERDE_CLASS.read(source), source.withPrefix(SERDE_PREFIX),
                AUTO_REGISTER.read(source));
    }

    /** The same settings with {@code registry.auto.register} set to {@code value}. */
    public RegistrySettings withAutoRegister(boolean value) {
        return new RegistrySettings(url, serdeClass, serdeProperties, value);
    }

    /** True when the serde is Apicurio's, whose registry API {@code schemas register} and the start-up check speak. */
    public boolean isApicurioSerde() {
        return APICURIO_SERDE.equals(serdeClass);
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
        config.put("apicurio.registry.auto-register", Boolean.toString(autoRegister));
        // Without auto-registration the serializer looks up the version whose content is this build's schema (and
        // fails if there is none). find-latest would instead take the subject's latest version, which may be a newer
        // build's schema, and write this build's records under its id.
        config.put("apicurio.registry.find-latest", "false");
        config.put("auto.register.schemas", Boolean.toString(autoRegister)); // Confluent's serde
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
