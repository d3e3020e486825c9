package io.cdcsentinel.local;

import io.cdcsentinel.cli.Console;
import io.cdcsentinel.cli.ExtraCommand;
import io.cdcsentinel.config.ConfigSource;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code sentinel stack up|status|down --dir DIR}: the real local servers as background processes
 * ({@link LocalStack}). {@code up} returns once every server answers; the servers keep running until
 * {@code down}.
 */
@Command(name = "stack", mixinStandardHelpOptions = true,
        description = {"Starts, shows and stops the local servers: PostgreSQL with logical decoding,",
                "Kafka (KRaft), Apicurio Registry, and ClickHouse when it is installed.",
                "Background processes on free loopback ports; their endpoints go to",
                "DIR/endpoints.env (set -a; . DIR/endpoints.env; set +a)."},
        subcommands = {StackCommand.Up.class, StackCommand.Status.class, StackCommand.Down.class})
public final class StackCommand implements Runnable, ExtraCommand {

    /** Runs the command without the rest of the CLI: {@code java -cp ... io.cdcsentinel.local.StackCommand up}. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new StackCommand()).execute(args));
    }

    @Override
    public void run() {
        Console.println(new CommandLine(this).getUsageMessage());
    }

    /** {@code --dir}, shared by the three subcommands. */
    static final class DirOption {
        @Option(names = "--dir", paramLabel = "DIR", defaultValue = ".stack",
                description = "stack directory: data, configuration, logs, endpoints.env (default: ${DEFAULT-VALUE})")
        Path dir;
    }

    @Command(name = "up", mixinStandardHelpOptions = true, header = "Start the local servers and write DIR/endpoints.env.",
            description = {"Starts what is not running yet, waits until every server answers,",
                    "writes DIR/endpoints.env."})
    static final class Up implements Callable<Integer> {
        @Mixin
        DirOption dir;

        @Option(names = "--without-clickhouse", description = "do not start ClickHouse even if it is installed")
        boolean withoutClickHouse;

        @Override
        public Integer call() {
            LocalStack.Options options = LocalStack.Options.defaults();
            if (withoutClickHouse) {
                options = options.withoutClickHouse();
            }
            Console.println("Starting the local stack in " + dir.dir.toAbsolutePath().normalize() + " ...");
            LocalStack stack;
            try {
                stack = LocalStack.up(dir.dir, options);
            } catch (StackException e) {
                Console.error("stack up failed: " + e.getMessage());
                Console.error("Run `sentinel stack down --dir " + dir.dir + "` to clean up, then try again.");
                return 1;
            }
            for (LocalStack.ServerStart start : stack.starts()) {
                String how = start.alreadyRunning() ? "already running" : String.format(Locale.ROOT, "started in %.1f s",
                        start.took().toMillis() / 1000.0);
                Console.printf("  %-11s %-18s pid %-8d %s%n", start.component().id(), how, start.pid(), ports(start.ports()));
            }
            for (String notice : stack.notices()) {
                Console.println("Note: " + notice);
            }
            Console.printf("Stack ready in %.1f s. Endpoints (%s):%n", stack.took().toMillis() / 1000.0,
                    stack.dir().resolve(LocalStack.ENDPOINTS_FILE));
            stack.endpoints().asConfig().forEach((key, value) -> Console.println("  " + ConfigSource.envName(key) + "="
                    + (key.equals(Endpoints.POSTGRES_PASSWORD) ? "****" : value)));
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, header = "Show which local servers run, with pids and ports.",
            description = {"Shows each server of DIR: running or not, pid, ports.",
                    "Exit code 3 if a server is down."})
    static final class Status implements Callable<Integer> {
        @Mixin
        DirOption dir;

        @Override
        public Integer call() {
            List<ServerStatus> statuses = LocalStack.status(dir.dir);
            if (statuses.isEmpty()) {
                Console.println("No stack in " + dir.dir.toAbsolutePath().normalize() + " (run `sentinel stack up --dir "
                        + dir.dir + "`).");
                return 3;
            }
            boolean allUp = true;
            for (ServerStatus status : statuses) {
                boolean expectedDown = !status.running() && status.component() == Component.CLICKHOUSE
                        && ClickHouseServer.findBinary().isEmpty();
                allUp &= status.running() || expectedDown;
                Console.printf("  %-11s %-8s %-12s %s%s%n", status.component().id(), status.running() ? "running" : "stopped",
                        status.pid().isPresent() ? "pid " + status.pid().getAsLong() : "", ports(status.ports()),
                        status.note().isEmpty() ? "" : "  " + status.note());
            }
            return allUp ? 0 : 3;
        }
    }

    @Command(name = "down", mixinStandardHelpOptions = true, header = "Stop the local servers (data is kept).",
            description = {"Stops every server of DIR, also after a crashed or half-finished up,",
                    "and waits until their ports are free. Data is kept unless --purge."})
    static final class Down implements Callable<Integer> {
        @Mixin
        DirOption dir;

        @Option(names = "--purge", description = "delete DIR after stopping: the next up starts from empty servers")
        boolean purge;

        @Override
        public Integer call() {
            List<ServerStatus> stopped;
            try {
                stopped = purge ? LocalStack.downAndPurge(dir.dir) : LocalStack.down(dir.dir);
            } catch (StackException e) {
                Console.error("stack down failed: " + e.getMessage());
                return 1;
            }
            if (stopped.isEmpty()) {
                Console.println("Nothing was running in " + dir.dir.toAbsolutePath().normalize() + ".");
            }
            for (ServerStatus status : stopped) {
                Console.printf("  %-11s stopped (pid %d)%n", status.component().id(), status.pid().getAsLong());
            }
            if (purge) {
                Console.println("Deleted " + dir.dir.toAbsolutePath().normalize() + ".");
            }
            return 0;
        }
    }

    /** {@code port 5432} or {@code port 9092 (controller 9093)}. */
    static String ports(Map<String, Integer> ports) {
        if (ports.isEmpty()) {
            return "";
        }
        String others = ports.entrySet().stream().filter(e -> !e.getKey().equals("port"))
                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
        Integer main = ports.get("port");
        return (main == null ? "" : "port " + main) + (others.isEmpty() ? "" : " (" + others + ")");
    }
}
