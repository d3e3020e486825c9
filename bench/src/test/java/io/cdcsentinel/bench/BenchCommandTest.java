package io.cdcsentinel.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcsentinel.cli.Console;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Only what fails before a stack is needed: the benchmark itself runs in {@code BenchSmokeIT}. */
class BenchCommandTest {
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @AfterEach
    void restoreConsole() {
        Console.redirect(System.out, System.err);
    }

    private int run(String... args) {
        Console.redirect(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new CommandLine(new BenchCommand()).execute(args);
    }

    @Test
    void shouldRefuseASettingThatIsNotAConfigurationKey() {
        assertThat(run("--set", "gaps.score.index=false")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("gaps.score.index").contains("not a configuration key");
    }

    @Test
    void shouldRefuseAnInvalidValueBeforeStartingAnything() {
        assertThat(run("--set", "gaps.score-index.enabled=maybe")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("gaps.score-index.enabled").contains("maybe");
    }

    @Test
    void shouldRefuseBackfillOnlyWithoutEndpoints() {
        assertThat(run("--only", "backfill")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--only backfill needs --endpoints");
    }

    @Test
    void shouldNameEveryFigureOnlyKnowsWhenGivenAnUnknownOne() {
        assertThat(run("--only", "latency")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("known: sink, backfill");
    }
}
