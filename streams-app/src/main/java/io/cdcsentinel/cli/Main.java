package io.cdcsentinel.cli;

import io.cdcsentinel.config.ConfigException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Entry point of the runnable jar: {@code bin/sentinel <command>}. The production commands are listed here;
 * the developer commands ({@code demo}, {@code stack}, {@code simulate}, {@code bench}) come from their own
 * modules through {@link ExtraCommand}, when those are on the classpath.
 */
@Command(name = "sentinel", mixinStandardHelpOptions = true, version = "cdc-sentinel 0.1.0",
        description = "Debezium + Kafka Streams watchdog: historic scorecard gaps and final conversation labels.",
        subcommands = {
                BackfillCommand.class,
                CdcCommand.class,
                RunCommand.class,
                SchemasCommand.class,
                SinkCommand.class,
                AlertsCommand.class,
                ConfigCommand.class,
                VerifyCommand.class,
        })
public final class Main implements Runnable {
    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs a command and returns its exit code; configuration errors print their message, not a stack trace. */
    public static int execute(String... args) {
        CommandLine cli = commandLine();
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

    /** The production commands, then every {@link ExtraCommand} on the classpath, by name. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        List<ExtraCommand> extras = new ArrayList<>();
        ServiceLoader.load(ExtraCommand.class, Main.class.getClassLoader()).forEach(extras::add);
        extras.sort(Comparator.comparing(Main::commandName));
        for (ExtraCommand extra : extras) {
            cli.addSubcommand(extra);
        }
        return cli;
    }

    private static String commandName(ExtraCommand command) {
        Command annotation = command.getClass().getAnnotation(Command.class);
        if (annotation == null || annotation.name().isEmpty() || annotation.name().equals("<main class>")) {
            throw new IllegalStateException(command.getClass().getName() + " is listed as an ExtraCommand but has no"
                    + " @Command(name = ...)");
        }
        return annotation.name();
    }

    @Override
    public void run() {
        // the usage of the command line this instance runs in, with the extra commands (not a new one without them)
        spec.commandLine().usage(System.out);
    }
}
