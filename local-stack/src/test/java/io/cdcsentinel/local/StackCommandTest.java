package io.cdcsentinel.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcsentinel.cli.Console;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command without servers: what it says about an empty directory. Starting servers is StackCommandIT's job. */
class StackCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void captureConsole() {
        Console.redirect(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreConsole() {
        Console.redirect(System.out, System.err);
    }

    @Test
    void shouldReportNoStackAndExitThreeWhenTheDirectoryHasNone(@TempDir Path dir) {
        int code = new CommandLine(new StackCommand()).execute("status", "--dir", dir.resolve("none").toString());

        assertThat(code).isEqualTo(3);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("No stack in").contains("stack up --dir");
    }

    @Test
    void shouldSayNothingWasRunningWhenDownFindsNoServer(@TempDir Path dir) {
        int code = new CommandLine(new StackCommand()).execute("down", "--dir", dir.toString());

        assertThat(code).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Nothing was running");
    }

    @Test
    void shouldPrintTheClientPortFirstAndTheOthersByRole() {
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put("port", 9092);
        ports.put("controller", 9093);

        assertThat(StackCommand.ports(ports)).isEqualTo("port 9092 (controller 9093)");
        assertThat(StackCommand.ports(Map.of("port", 5432))).isEqualTo("port 5432");
        assertThat(StackCommand.ports(Map.of())).isEmpty();
    }

    @Test
    void shouldListItsThreeSubcommandsInItsUsage() {
        int code = new CommandLine(new StackCommand()).execute();

        assertThat(code).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("up").contains("status").contains("down");
    }
}
