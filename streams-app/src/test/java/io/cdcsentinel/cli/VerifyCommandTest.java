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

class VerifyCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @AfterEach
    void restoreConsole() {
        Console.redirect(System.out, System.err);
    }

    private int run(String... args) {
        Console.redirect(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return VerifyCommand.execute(args);
    }

    @Test
    void shouldStopWithTwoWhenToIsNotAfterFrom() {
        assertThat(run("--from", "2026-01-06", "--to", "2026-01-05")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--to (2026-01-05T00:00:00Z) must be after --from");
        assertThat(run("--from", "2026-01-05", "--to", "2026-01-05")).isEqualTo(2);
    }

    @Test
    void shouldStopWithTwoOnAnUnreadableTime() {
        assertThat(run("--from", "last week", "--to", "2026-01-05")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--from 'last week'");
    }

    @Test
    void shouldStopWithTwoNamingPostgresUrlWhenPostgresCannotBeReached(@TempDir Path dir) throws IOException {
        Path config = dir.resolve("verify.properties");
        Files.writeString(config, "postgres.url=jdbc:postgresql://127.0.0.1:1/sentinel\nkafka.bootstrap=127.0.0.1:1\n"
                + "registry.url=http://127.0.0.1:1\nclickhouse.url=http://127.0.0.1:1\n");
        assertThat(run("--config", config.toString(), "--from", "2026-01-05", "--to", "2026-01-06")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("postgres.url").contains("cannot connect");
    }

    @Test
    void shouldBeAProductionCommand() {
        assertThat(Main.commandLine().getSubcommands()).containsKey("verify");
    }
}
