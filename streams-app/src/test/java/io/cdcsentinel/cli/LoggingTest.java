package io.cdcsentinel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cdcsentinel.config.ConfigSource;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.logging.log4j.core.config.Configurator;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

class LoggingTest {
    @Test
    void shouldWriteOneJsonObjectPerLineWithTheRecordPositionAsFieldsWhenLogFormatIsJson() throws Exception {
        PrintStream stderr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            Logging.apply(ConfigSource.of(Map.of("log.format", "json")));
            try (var topic = MDC.putCloseable("kafka.topic", "cdc.app.chats");
                    var offset = MDC.putCloseable("kafka.offset", "42")) {
                LoggerFactory.getLogger("io.cdcsentinel.test").warn("bad record skipped");
            }
        } finally {
            System.setErr(stderr);
            Configurator.reconfigure();
        }
        String line = captured.toString(StandardCharsets.UTF_8).lines()
                .filter(l -> l.contains("bad record skipped")).findFirst().orElseThrow();
        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.path("message").asText()).isEqualTo("bad record skipped");
        assertThat(json.path("log.level").asText()).isEqualTo("WARN");
        assertThat(json.toString()).contains("\"kafka.topic\":\"cdc.app.chats\"").contains("\"kafka.offset\":\"42\"");
    }
}
