package io.cdcsentinel.cli;

import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.OpsSettings;
import io.cdcsentinel.metrics.Telemetry;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code bin/sentinel run}: the topologies and the ClickHouse sink, until SIGTERM/SIGINT. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the historic-gap and conversation-label topologies (Kafka Streams, exactly_once_v2)"
                + " and the ClickHouse sink (unless run.sink.enabled=false).")
public final class RunCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Override
    public Integer call() throws Exception {
        ConfigSource source = config.load();
        Pipeline pipeline = Pipeline.fromConfig(source);
        Telemetry telemetry = Telemetry.start(OpsSettings.from(source), "run");
        pipeline.instrument(telemetry);
        CountDownLatch stop = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.countDown();
            pipeline.close();
            telemetry.close();
        }, "sentinel-run-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            pipeline.start();
        } catch (RuntimeException e) {
            // e.g. a subject without this build's schema (a configuration error): nothing runs yet, stop here
            Runtime.getRuntime().removeShutdownHook(hook);
            pipeline.close();
            throw e;
        }
        Console.println("run: started " + String.join(", ", pipeline.streams().keySet())
                + (pipeline.sink().isPresent() ? " + ClickHouse sink" : ""));
        Duration every = pipeline.runSettings().statusInterval();
        long tick = every.isZero() ? 5_000 : every.toMillis();
        while (!stop.await(tick, TimeUnit.MILLISECONDS)) {
            pipeline.updateHealthFile();
            var failure = pipeline.failure();
            if (failure.isPresent()) {
                Console.error("run: " + failure.get());
                Runtime.getRuntime().removeShutdownHook(hook);
                pipeline.close();
                telemetry.close();
                return 1;
            }
            if (!every.isZero()) {
                pipeline.status().forEach(line -> Console.println("run: " + line));
            }
        }
        return 0;
    }
}
