package io.cdcsentinel.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistrySettingsTest {
    private static final Map<String, String> URL = Map.of("registry.url", "http://127.0.0.1:8081");

    @Test
    void shouldOnlyLookSchemasUpByDefault() {
        RegistrySettings settings = RegistrySettings.from(ConfigSource.of(URL));

        assertThat(settings.autoRegister()).isFalse();
        assertThat(settings.serdeConfig()).containsEntry("apicurio.registry.auto-register", "false")
                .containsEntry("apicurio.registry.find-latest", "false").containsEntry("auto.register.schemas", "false");
    }

    @Test
    void shouldLetTheSerdesRegisterWhenAutoRegisterIsSetInTheEnvironment(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("app.properties");
        Files.writeString(file, "registry.url=http://127.0.0.1:8081\n");
        ConfigSource source = ConfigSource.load(file, Map.of("SENTINEL_REGISTRY_AUTO_REGISTER", "true"));

        assertThat(RegistrySettings.from(source).serdeConfig()).containsEntry("apicurio.registry.auto-register", "true")
                .containsEntry("auto.register.schemas", "true").containsEntry("apicurio.registry.find-latest", "false");
    }

    @Test
    void shouldNameTheKeyAndTheVariableForABadValue() {
        ConfigSource source = ConfigSource.of(Map.of("registry.url", "http://127.0.0.1:8081", "registry.auto.register", "sometimes"));

        assertThatThrownBy(() -> RegistrySettings.from(source)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("registry.auto.register").hasMessageContaining("SENTINEL_REGISTRY_AUTO_REGISTER")
                .hasMessageContaining("'sometimes'");
    }

    @Test
    void shouldKeepAPassedThroughSerdeSettingOverTheDefaults() {
        ConfigSource source = ConfigSource.of(Map.of("registry.url", "http://127.0.0.1:8081",
                "serde.avro.config.apicurio.registry.find-latest", "true"));

        assertThat(RegistrySettings.from(source).serdeConfig()).containsEntry("apicurio.registry.find-latest", "true");
    }
}
