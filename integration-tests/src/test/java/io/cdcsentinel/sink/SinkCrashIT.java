package io.cdcsentinel.sink;

import static io.cdcsentinel.sink.SinkTestKit.label;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cdcsentinel.avro.ConversationLabel;
import io.cdcsentinel.avro.LabelKind;
import io.cdcsentinel.cli.SinkCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import io.cdcsentinel.testing.SentinelProcess;
import io.cdcsentinel.testing.StackExtension;
import io.cdcsentinel.testing.StackFixture;
import io.cdcsentinel.testing.TestStack;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sink as its own JVM ({@code SinkCommand}), killed with SIGKILL again and again while tens of
 * thousands of labels stream in, half of the kills aimed at a moment when one of its INSERTs is running on
 * the server. Afterwards ClickHouse (merges stopped) holds every record exactly once: no offset missing,
 * none twice.
 */
@ExtendWith(StackExtension.class)
class SinkCrashIT {
    private static final Logger LOG = LoggerFactory.getLogger(SinkCrashIT.class);
    private static final int CONVERSATIONS = 36_000;
    private static final int CORRECTIONS = 4_000;
    private static final int KILLS = 10;

    @Test
    void shouldHoldEveryRecordExactlyOnceAfterRepeatedKillNine(StackFixture stack) throws Exception {
        try (SinkTestKit kit = SinkTestKit.create(stack, Map.of(
                "sink.batch.size", "2000", "sink.batch.linger", "100ms", "sink.retry.backoff", "100ms",
                // static membership: a restarted sink takes its partitions back at once, not after the dead
                // member's session expires
                "sink.consumer.group.instance.id", "sink-crash-it"))) {
            kit.createTopics(3);
            LabelTable table = kit.createTableWithoutMerges();
            Path workDir = Files.createDirectories(TestStack.targetDir().resolve("sink-crash-it").resolve(kit.sinkSettings().groupId()));
            Path configFile = kit.writeConfig(workDir);

            List<ConversationLabel> labels = new ArrayList<>();
            for (int i = 0; i < CONVERSATIONS; i++) {
                labels.add(label("conv-" + i, LabelKind.FINAL, 100_000L + i).build());
            }
            for (int i = 0; i < CORRECTIONS; i++) {
                labels.add(label("conv-" + (i * 9), LabelKind.CORRECTION, 200_000L + i).setAgentUserId("moved-" + i).build());
            }
            // A stream, not a burst: ~500 labels a second for ~80 s, longer than the ten kills take.
            CompletableFuture<Void> producing = new CompletableFuture<>();
            ScheduledExecutorService producer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "it-label-producer");
                t.setDaemon(true);
                return t;
            });
            AtomicInteger produced = new AtomicInteger();
            producer.scheduleAtFixedRate(() -> {
                int from = produced.get();
                if (from >= labels.size()) {
                    producing.complete(null);
                    return;
                }
                try {
                    kit.produce(labels.subList(from, Math.min(labels.size(), from + 200)));
                    produced.set(Math.min(labels.size(), from + 200));
                } catch (RuntimeException e) {
                    producing.completeExceptionally(e);
                }
            }, 0, 400, TimeUnit.MILLISECONDS);

            Random random = new Random(42);
            int killedDuringInsert = 0;
            for (int kill = 1; kill <= KILLS; kill++) {
                Process sink = startSink(configFile, workDir.resolve("sink-" + kill + ".log"));
                boolean aimed = kill % 2 == 0;
                boolean hit = false;
                if (aimed) {
                    hit = awaitRunningInsert(kit, table, Duration.ofSeconds(15));
                } else {
                    // at a random point of its progress: once it has written some more rows
                    long before = kit.count("SELECT count() FROM " + table.qualifiedName());
                    long more = 1 + random.nextInt(1_000);
                    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() ->
                            kit.count("SELECT count() FROM " + table.qualifiedName()) >= before + more);
                }
                sink.destroyForcibly(); // SIGKILL
                assertThat(sink.waitFor(10, TimeUnit.SECONDS)).isTrue();
                killedDuringInsert += hit ? 1 : 0;
                LOG.info("kill {} ({}): ClickHouse holds {} rows", kill, hit ? "during an INSERT" : aimed ? "aimed, missed" : "random",
                        kit.count("SELECT count() FROM " + table.qualifiedName()));
            }
            producing.get(2, TimeUnit.MINUTES);
            producer.shutdownNow();

            Process last = startSink(configFile, workDir.resolve("sink-last.log"));
            try {
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                        assertThat(kit.count("SELECT count() FROM " + table.qualifiedName())).isGreaterThanOrEqualTo(labels.size()));
                // every produced record once: as many distinct offsets as rows, as rows as records
                assertThat(kit.count("SELECT count() FROM " + table.qualifiedName())).isEqualTo(labels.size());
                assertThat(kit.count("SELECT uniqExact(kafka_partition, kafka_offset) FROM " + table.qualifiedName()))
                        .isEqualTo(labels.size());
                assertThat(kit.count("SELECT uniqExact(customer_id, profile_id, conversation_id, version) FROM "
                        + table.qualifiedName())).isEqualTo(labels.size());
                assertThat(kit.count("SELECT count() FROM " + table.qualifiedName() + " FINAL")).isEqualTo(CONVERSATIONS);
                assertThat(kit.count("SELECT count() FROM " + table.qualifiedName() + " FINAL WHERE kind = 'CORRECTION'"))
                        .isEqualTo(CORRECTIONS);
            } finally {
                last.destroy();
                last.waitFor(30, TimeUnit.SECONDS);
            }
            LOG.info("{} kills, {} while an INSERT was running; {} rows, none missing, none twice", KILLS, killedDuringInsert,
                    labels.size());
            assertThat(killedDuringInsert).as("kills that hit a running INSERT").isGreaterThan(0);
        }
    }

    /** Polls system.processes until an INSERT of the sink runs on the server. */
    private static boolean awaitRunningInsert(SinkTestKit kit, LabelTable table, Duration timeout) {
        String prefix = "cdc-sentinel-sink:" + table.database() + "." + table.table() + ":";
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (kit.count("SELECT count() FROM system.processes WHERE startsWith(query_id, " + LabelTable.literal(prefix) + ")") > 0) {
                return true;
            }
        }
        return false;
    }

    private static Process startSink(Path config, Path log) throws IOException {
        return SentinelProcess.builder(log, "sink", "--config", config.toString(), "--progress-seconds", "1").start();
    }
}
