package io.cdcsentinel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The production jar's command line: its own commands only (no development module on this classpath). */
class MainTest {
    private final PrintStream stdout = System.out;

    @AfterEach
    void restoreStdout() {
        System.setOut(stdout);
    }

    @Test
    void shouldRegisterOnlyTheProductionCommandsWhenNoExtraCommandIsOnTheClasspath() {
        assertThat(Main.commandLine().getSubcommands().keySet()).containsExactly("backfill", "cdc", "run", "schemas", "sink", "alerts",
                "config", "verify");
    }

    @Test
    void shouldListOnlyTheProductionCommandsInItsUsage() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));

        assertThat(Main.execute()).isZero();

        assertThat(out.toString(StandardCharsets.UTF_8)).contains("cdc", "run", "sink", "alerts", "config")
                .doesNotContain("demo", "stack", "simulate", "bench");
    }
}
