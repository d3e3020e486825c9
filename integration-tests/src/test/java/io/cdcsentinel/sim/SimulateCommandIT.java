package io.cdcsentinel.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcsentinel.cli.Console;
import io.cdcsentinel.testing.StackExtension;
import io.cdcsentinel.testing.StackFixture;
import io.cdcsentinel.testing.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code bin/sentinel simulate} as a user runs it: a config file, options, the printed summary, the truth file. */
@ExtendWith(StackExtension.class)
class SimulateCommandIT {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @AfterEach
    void restoreConsole() {
        Console.redirect(System.out, System.err);
    }

    private int simulate(String... args) {
        Console.redirect(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        // picocli reports option errors on its own stream, the command on Console: capture both.
        return new CommandLine(new SimulateCommand())
                .setErr(new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true)).execute(args);
    }

    @Test
    void shouldPrintCountsThatMatchTheRowsAndWriteTheTruth(StackFixture stack, @TempDir Path dir) throws Exception {
        TestDatabase db = stack.createDatabase();
        Path config = dir.resolve("sentinel.properties");
        Files.writeString(config, "postgres.url=" + db.jdbcUrl() + "\npostgres.user=" + db.user() + "\n"
                + (db.password() == null || db.password().isEmpty() ? "" : "postgres.password=" + db.password() + "\n"));
        Path truthFile = dir.resolve("out/truth.jsonl");

        int exit = simulate("--config", config.toString(), "--seed", "21", "--count", "200",
                "--scenario", "steady:2,async-race,reassign,batch-hour", "--batch-size", "1000",
                "--truth", truthFile.toString());

        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isZero();
        Truth truth = Truth.read(truthFile);
        try (Connection c = db.connect()) {
            long chats = SourceOracle.count(c, "SELECT count(*) FROM app.chats");
            long gaps = SourceOracle.openGaps(c).size();
            assertThat(printed).containsPattern("simulated 1,200 stories \\(seed 21\\)")
                    .containsPattern("\\n  created +" + String.format("%,d", chats) + "\\n")
                    .containsPattern("open gaps \\(missing from historic\\) +" + String.format("%,d", gaps) + "\\n")
                    .contains("truth: " + truthFile.toAbsolutePath());
            assertThat(truth.gaps()).hasSize((int) gaps);
            assertThat(truth.counts()).containsEntry("chats_created", chats);
        }
    }

    @Test
    void shouldExplainABadOptionWithoutTouchingTheDatabase() {
        assertThat(simulate("--scenario", "steady,weekly-batch")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown scenario 'weekly-batch'")
                .contains("batch-hour");
        assertThat(simulate("--late-delay", "soon")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("'soon' is not a duration");
    }
}
