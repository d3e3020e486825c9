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
import picocli.CommandLine;

class SchemasCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @AfterEach
    void restoreConsole() {
        Console.redirect(System.out, System.err);
    }

    private int run(String... args) {
        Console.redirect(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return Main.execute(args);
    }

    @Test
    void shouldBeASubcommandOfTheLauncher() {
        CommandLine cli = new CommandLine(new Main());
        assertThat(cli.getSubcommands()).containsKey("schemas");
        assertThat(cli.getSubcommands().get("schemas").getSubcommands()).containsKey("register");
    }

    @Test
    void shouldExitWithOneAndSayWhyWhenTheRegistryCannotBeReached(@TempDir Path dir) throws IOException {
        Path config = dir.resolve("app.properties");
        Files.writeString(config, "registry.url=http://127.0.0.1:1\n");

        assertThat(run("schemas", "register", "--config", config.toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("cannot reach the schema registry at http://127.0.0.1:1");
    }

    @Test
    void shouldExitWithTwoWhenTheRegistryIsNotConfigured(@TempDir Path dir) throws IOException {
        Path config = dir.resolve("app.properties");
        Files.writeString(config, "topic.prefix=cdc\n");

        assertThat(run("schemas", "register", "--config", config.toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("configuration error").contains("registry.url");
    }
}
