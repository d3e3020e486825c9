package io.cdcsentinel.topology;

import io.cdcsentinel.config.ConfigException;
import io.cdcsentinel.config.RegistrySettings;
import java.lang.reflect.InvocationTargetException;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

/**
 * Registry-aware Avro serdes for the public topics. The class comes from {@code serde.avro.class}
 * (Apicurio's {@code AvroSerde} by default; Confluent's {@code SpecificAvroSerde} plugs in the same
 * way), configured with {@link RegistrySettings#serdeConfig()}. Apicurio's serde gets
 * {@link IdentityCachingDatumProvider} unless {@code serde.avro.config.apicurio.registry.avro-datum-provider}
 * names another: its default provider recomputes the schema's fingerprint for every record it writes or reads.
 */
public final class AvroSerdes {
    static final String DATUM_PROVIDER = "apicurio.registry.avro-datum-provider";

    private final RegistrySettings settings;

    public AvroSerdes(RegistrySettings settings) {
        this.settings = settings;
    }

    /** The properties handed to every serde's {@code configure}. */
    Map<String, Object> serdeConfig() {
        Map<String, Object> config = new HashMap<>(settings.serdeConfig());
        if (RegistrySettings.APICURIO_SERDE.equals(settings.serdeClass()) && !settings.serdeProperties().containsKey(DATUM_PROVIDER)) {
            config.put(DATUM_PROVIDER, IdentityCachingDatumProvider.class.getName());
        }
        return config;
    }

    public <T extends SpecificRecord> Serde<T> forKeys(Class<T> type) {
        return create(type, true);
    }

    public <T extends SpecificRecord> Serde<T> forValues(Class<T> type) {
        return create(type, false);
    }

    @SuppressWarnings("unchecked")
    private <T extends SpecificRecord> Serde<T> create(Class<T> type, boolean isKey) {
        Serde<T> serde;
        try {
            serde = (Serde<T>) Class.forName(settings.serdeClass()).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | ClassCastException e) {
            Throwable cause = e instanceof InvocationTargetException ite ? ite.getCause() : e;
            throw new ConfigException(RegistrySettings.SERDE_CLASS.name(), "cannot instantiate serde.avro.class '"
                    + settings.serdeClass() + "' (" + cause + "): expected a Serde class with a public no-arg constructor");
        }
        serde.configure(serdeConfig(), isKey);
        return serde;
    }
}
