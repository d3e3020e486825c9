package io.cdcsentinel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SinkCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @AfterEach
    void restoreConsole() {
        Console.redirect(System.out, System.err);
    }

    private int run(String... args) {
        Console.redirect(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return SinkCommand.execute(args);
    }

    @Test
    void shouldExitWithTwoAndNameTheKeyWhenConfigurationIsInvalid(@TempDir Path dir) throws IOException {
        Path config = dir.resolve("sink.properties");
        Files.writeString(config, "kafka.bootstrap=127.0.0.1:9092\nregistry.url=http://127.0.0.1:8081\n"
                + "clickhouse.url=http://127.0.0.1:8123\nsink.layout=sideways\n");
        assertThat(run("--config", config.toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("configuration error").contains("sink.layout")
                .contains("'sideways'");
    }

    @Test
    void shouldExitWithTwoWhenTheConfigFileDoesNotExist(@TempDir Path dir) {
        assertThat(run("--config", dir.resolve("missing.properties").toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("does not exist");
    }

    @Test
    void shouldExitWithOneWhenClickHouseCannotBeReached(@TempDir Path dir) throws IOException {
        Path config = dir.resolve("sink.properties");
        // port 1 on loopback: connection refused at once; one attempt so the test does not wait on backoff
        Files.writeString(config, "kafka.bootstrap=127.0.0.1:1\nregistry.url=http://127.0.0.1:1\n"
                + "clickhouse.url=http://127.0.0.1:1\nsink.retry.attempts=1\n");
        assertThat(run("--config", config.toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("sink cannot start").contains("Connection refused");
    }
}
