package io.cdcsentinel.cli;

import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.OpsSettings;
import java.net.URISyntaxException;
import org.apache.logging.log4j.core.config.Configurator;

/**
 * {@code log.format}: text (log4j2.xml) or JSON lines (log4j2-json.xml, ECS fields). Applied as soon as a command has
 * read its configuration, before it starts anything, so every line of the run is in the chosen format. Secrets
 * are never logged in either: settings print themselves with their secret values masked.
 */
final class Logging {
    private Logging() {
    }

    static void apply(ConfigSource source) {
        if (OpsSettings.LOG_FORMAT.read(source) == OpsSettings.LogFormat.JSON) {
            try {
                Configurator.reconfigure(Logging.class.getResource("/log4j2-json.xml").toURI());
            } catch (URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
