package io.cdcsentinel.bench;

import io.cdcsentinel.cli.Console;
import io.cdcsentinel.local.Endpoints;
import io.cdcsentinel.local.LocalStack;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bin/sentinel bench verify}: the verify figure alone ({@link VerifyBenchmark}), without the rest of the bench. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Loads N conversations (and about 2N events) into PostgreSQL and their labels into ClickHouse with"
                + " set-based SQL, then times verify's comparison of one day (goal: 1,000,000 in under a minute)."})
public final class VerifyBenchCommand implements Callable<Integer> {
    static final long GOAL_MS = 60_000;

    @Option(names = "--conversations", defaultValue = "1000000", paramLabel = "N", description = "default ${DEFAULT-VALUE}")
    int conversations;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "${java.io.tmpdir}/sentinel-bench",
            description = "working directory of the local stack this run starts; default ${DEFAULT-VALUE}")
    Path dir;

    @Option(names = "--endpoints", paramLabel = "FILE",
            description = "use the running stack of this endpoints.env (from `stack up`) instead of starting one")
    Path endpoints;

    @Option(names = "--keep", description = "keep the bench's PostgreSQL and ClickHouse databases afterwards")
    boolean keep;

    @Override
    public Integer call() throws Exception {
        if (conversations < 1) {
            Console.error("bench verify: --conversations must be >= 1");
            return 2;
        }
        LocalStack stack = null;
        Endpoints stackEndpoints;
        if (endpoints != null) {
            stackEndpoints = Endpoints.read(endpoints);
        } else {
            Console.println("bench verify: starting the local stack in " + dir.resolve("stack"));
            stack = LocalStack.up(dir.resolve("stack"), LocalStack.Options.defaults().requireClickHouse());
            stackEndpoints = stack.endpoints();
        }
        try {
            String name = "bench_verify_" + DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss").withZone(ZoneOffset.UTC)
                    .format(java.time.Instant.now());
            VerifyBenchmark.Result result = VerifyBenchmark.run(stackEndpoints, name, conversations, keep, Console::println);
            Console.println(result.report().text());
            long ms = result.verify().toMillis();
            Console.println(String.format("bench verify: %,d conversations (%,d events) verified in %.1f s (goal < %d s: %s);"
                    + " load: PostgreSQL %.1f s, ClickHouse %.1f s", result.conversations(), result.events(), ms / 1000.0,
                    GOAL_MS / 1000, ms < GOAL_MS ? "met" : "NOT met", result.loadPostgres().toMillis() / 1000.0,
                    result.loadClickHouse().toMillis() / 1000.0));
            return 0;
        } finally {
            if (stack != null) {
                stack.down();
            }
        }
    }
}
