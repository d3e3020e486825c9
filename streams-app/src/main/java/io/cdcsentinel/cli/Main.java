package io.cdcsentinel.cli;

import io.cdcsentinel.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the runnable jar: {@code bin/sentinel <command>}. */
@Command(name = "sentinel", mixinStandardHelpOptions = true, version = "cdc-sentinel 0.1.0",
        description = "Debezium + Kafka Streams watchdog: historic scorecard gaps and final conversation labels.",
        subcommands = {
                DemoCommand.class,
                StackCommand.class,
                CdcCommand.class,
                RunCommand.class,
                SchemasCommand.class,
                SinkCommand.class,
                SimulateCommand.class,
                BenchCommand.class,
                ConfigCommand.class,
        })
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs a command and returns its exit code; configuration errors print their message, not a stack trace. */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            Throwable t = e;
            while (t != null && !(t instanceof ConfigException)) {
                t = t.getCause();
            }
            if (t != null) {
                Console.error("configuration error: " + t.getMessage());
                return 2;
            }
            throw e;
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
