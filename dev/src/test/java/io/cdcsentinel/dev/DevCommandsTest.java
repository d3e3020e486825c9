package io.cdcsentinel.dev;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcsentinel.bench.BenchCommand;
import io.cdcsentinel.cli.ExtraCommand;
import io.cdcsentinel.cli.Main;
import io.cdcsentinel.local.StackCommand;
import io.cdcsentinel.sim.SimulateCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The developer distribution: the production Main with every development module's command on its classpath. */
class DevCommandsTest {
    private final PrintStream stdout = System.out;

    @AfterEach
    void restoreStdout() {
        System.setOut(stdout);
    }

    @Test
    void shouldFindTheCommandOfEveryDevelopmentModuleThroughServiceLoader() {
        assertThat(ServiceLoader.load(ExtraCommand.class).stream().map(ServiceLoader.Provider::type))
                .containsExactlyInAnyOrder(DemoCommand.class, StackCommand.class, SimulateCommand.class, BenchCommand.class);
    }

    @Test
    void shouldListTheProductionCommandsThenTheDevelopmentOnesInItsUsage() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));

        assertThat(Main.execute()).isZero();

        assertThat(out.toString(StandardCharsets.UTF_8)).containsSubsequence("Commands:", "cdc", "run", "sink", "config",
                "bench", "demo", "simulate", "stack");
    }

    @Test
    void shouldRunADevelopmentCommandThroughTheProductionMain() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));

        assertThat(Main.execute("stack", "--help")).isZero();

        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Usage: sentinel stack", "up", "status", "down");
    }
}
