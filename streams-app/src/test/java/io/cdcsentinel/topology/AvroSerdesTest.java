package io.cdcsentinel.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcsentinel.config.RegistrySettings;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AvroSerdesTest {
    private static final URI REGISTRY = URI.create("http://127.0.0.1:1");

    @Test
    void shouldGiveApicuriosSerdeTheIdentityCachingDatumProvider() {
        AvroSerdes serdes = new AvroSerdes(new RegistrySettings(REGISTRY, RegistrySettings.APICURIO_SERDE, Map.of()));

        assertThat(serdes.serdeConfig()).containsEntry(AvroSerdes.DATUM_PROVIDER, IdentityCachingDatumProvider.class.getName());
    }

    @Test
    void shouldKeepADatumProviderTheOperatorConfigured() {
        AvroSerdes serdes = new AvroSerdes(new RegistrySettings(REGISTRY, RegistrySettings.APICURIO_SERDE,
                Map.of(AvroSerdes.DATUM_PROVIDER, "com.example.OwnProvider")));

        assertThat(serdes.serdeConfig()).containsEntry(AvroSerdes.DATUM_PROVIDER, "com.example.OwnProvider");
    }

    @Test
    void shouldNotAddApicurioSettingsForAnotherSerde() {
        AvroSerdes serdes = new AvroSerdes(new RegistrySettings(REGISTRY, "com.example.OtherAvroSerde", Map.of()));

        assertThat(serdes.serdeConfig()).doesNotContainKey(AvroSerdes.DATUM_PROVIDER);
    }
}
