package io.cdcsentinel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code alerts} on bad input, without any server: usage errors and an unreachable Kafka. */
class AlertsCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final PrintStream systemErr = System.err;

    @AfterEach
    void restore() {
        Console.redirect(System.out, systemErr);
        System.setErr(systemErr);
    }

    private int run(String... args) {
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        Console.redirect(new PrintStream(out, true, StandardCharsets.UTF_8), errStream);
        System.setErr(errStream); // picocli prints usage errors there
        return Main.execute(args);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldBeAProductionCommandWithThreeSubcommands() {
        assertThat(Main.commandLine().getSubcommands().get("alerts").getSubcommands().keySet())
                .containsExactly("open", "rates", "tail");
    }

    @Test
    void shouldRejectAnUnknownSubcommandWithUsage() {
        assertThat(run("alerts", "closed")).isEqualTo(2);
        assertThat(err()).contains("Unmatched argument").contains("closed").contains("Usage: sentinel alerts");
    }

    @Test
    void shouldRejectAnUnknownOptionWithUsage() {
        assertThat(run("alerts", "open", "--customers", "acme")).isEqualTo(2);
        assertThat(err()).contains("Unknown options: '--customers'").contains("Possible solutions: --customer");

        err.reset();
        assertThat(run("alerts", "open", "--bogus")).isEqualTo(2);
        assertThat(err()).contains("Unknown option: '--bogus'").contains("Usage: sentinel alerts open");
    }

    @Test
    void shouldRejectABadTimeout() {
        assertThat(run("alerts", "rates", "--timeout", "soon")).isEqualTo(2);
        assertThat(err()).contains("'soon' is not a duration");
    }

    @Test
    void shouldExitWithTwoNamingTheKeyWhenKafkaIsNotConfigured(@TempDir Path dir) throws IOException {
        Path config = dir.resolve("alerts.properties");
        Files.writeString(config, "registry.url=http://127.0.0.1:1\n");

        assertThat(run("alerts", "open", "--config", config.toString())).isEqualTo(2);

        assertThat(err()).startsWith("configuration error").contains("kafka.bootstrap");
    }

    @Test
    void shouldFailWithinTheTimeoutNamingTheBootstrapKeyWhenKafkaCannotBeReached(@TempDir Path dir) throws IOException {
        Path config = dir.resolve("alerts.properties");
        // port 1 on loopback: connection refused, so the consumer never gets metadata
        Files.writeString(config, "kafka.bootstrap=127.0.0.1:1\nregistry.url=http://127.0.0.1:1\n");

        for (String command : new String[] {"open", "rates", "tail"}) {
            err.reset();
            long start = System.nanoTime();
            assertThat(run("alerts", command, "--config", config.toString(), "--timeout", "2s")).as(command).isEqualTo(1);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as(command).isLessThan(Duration.ofSeconds(15));
            assertThat(err()).as(command).contains("alerts: cannot reach Kafka at 127.0.0.1:1 (kafka.bootstrap,"
                    + " environment variable SENTINEL_KAFKA_BOOTSTRAP, given to the consumer as bootstrap.servers) within 2 s");
        }
    }
}
