package io.cdcsentinel.topology;

import io.cdcsentinel.config.ConfigException;
import io.cdcsentinel.config.RegistrySettings;
import java.lang.reflect.InvocationTargetException;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

/**
 * Registry-aware Avro serdes for the public topics. The class comes from {@code serde.avro.class}
 * (Apicurio's {@code AvroSerde} by default; Confluent's {@code SpecificAvroSerde} plugs in the same
 * way), configured with {@link RegistrySettings#serdeConfig()}.
 */
public final class AvroSerdes {
    private final RegistrySettings settings;

    public AvroSerdes(RegistrySettings settings) {
        this.settings = settings;
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
        serde.configure(settings.serdeConfig(), isKey);
        return serde;
    }
}
