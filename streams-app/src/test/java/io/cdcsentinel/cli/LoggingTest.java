package io.cdcsentinel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cdcsentinel.config.ConfigSource;
import java.util.Map;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.Layout;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.message.SimpleMessage;
import org.apache.logging.log4j.util.SortedArrayStringMap;
import org.junit.jupiter.api.Test;

class LoggingTest {
    @Test
    void shouldKeepDebeziumsDroppedStatisticsSamplesOutOfTheLogInBothFormats() throws Exception {
        java.net.URI before = LoggerContext.getContext(false).getConfigLocation();
        try {
            for (String format : new String[] {"text", "json"}) {
                // text is the default configuration, which a test classpath may shadow: load it by name
                Configurator.reconfigure(Logging.class.getResource("/log4j2.xml").toURI());
                Logging.apply(ConfigSource.of(Map.of("log.format", format)));
                var config = LoggerContext.getContext(false).getConfiguration();
                assertThat(config.getLoggerConfig("io.debezium.metrics.stats.MeasurementCollector").getLevel())
                        .as(format).isEqualTo(Level.ERROR);
                assertThat(config.getLoggerConfig("io.debezium.connector.postgresql.PostgresConnectorTask").getLevel())
                        .as(format + ": the rest of Debezium still warns").isEqualTo(Level.WARN);
            }
        } finally {
            Configurator.reconfigure(before);
        }
    }

    @Test
    void shouldWriteOneJsonObjectPerLineWithTheRecordPositionAsFieldsWhenLogFormatIsJson() throws Exception {
        String line;
        java.net.URI before = LoggerContext.getContext(false).getConfigLocation();
        try {
            Logging.apply(ConfigSource.of(Map.of("log.format", "json")));
            Layout<?> layout = LoggerContext.getContext(false).getConfiguration().getAppender("stderr").getLayout();
            SortedArrayStringMap context = new SortedArrayStringMap();
            context.putValue("kafka.topic", "cdc.app.chats");
            context.putValue("kafka.offset", "42");
            line = new String(layout.toByteArray(Log4jLogEvent.newBuilder().setLoggerName("io.cdcsentinel.test")
                    .setLevel(Level.WARN).setMessage(new SimpleMessage("bad record skipped")).setContextData(context)
                    .build()), java.nio.charset.StandardCharsets.UTF_8);
        } finally {
            Configurator.reconfigure(before);
        }
        assertThat(line.strip()).doesNotContain("\n");
        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.path("message").asText()).isEqualTo("bad record skipped");
        assertThat(json.path("log.level").asText()).isEqualTo("WARN");
        assertThat(json.toString()).contains("\"kafka.topic\":\"cdc.app.chats\"").contains("\"kafka.offset\":\"42\"");
    }
}
