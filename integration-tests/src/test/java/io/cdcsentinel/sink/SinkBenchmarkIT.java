package io.cdcsentinel.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcsentinel.bench.SinkBenchmark;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.testing.StackExtension;
import io.cdcsentinel.testing.StackFixture;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The benchmark helper {@code bench} calls: it runs against the real servers and leaves nothing behind. */
@ExtendWith(StackExtension.class)
class SinkBenchmarkIT {

    @Test
    void shouldMeasureEveryRoundAndDropItsTopicAndTables(StackFixture stack) throws Exception {
        String database = stack.createClickHouseDatabase();
        ConfigSource config = stack.config(Map.of("clickhouse.database", database));
        SinkBenchmark.Result result = SinkBenchmark.run(config, 5_000, 1_000, 2, 2);

        assertThat(result.rounds()).hasSize(2).allSatisfy(round -> {
            assertThat(round.sink()).isPositive();
            assertThat(round.raw()).isPositive();
        });
        assertThat(result.ratio()).isPositive();
        assertThat(result.summary()).contains("5,000 rows", "medians of 2 rounds");
        try (SinkTestKit kit = new SinkTestKit(config)) {
            assertThat(kit.count("SELECT count() FROM system.tables WHERE database = '" + database + "'")).isZero();
        }
        try (Admin admin = Admin.create(KafkaSettings.from(config).clientConfig())) {
            assertThat(admin.listTopics().names().get()).noneMatch(t -> t.startsWith("bench_"));
        }
    }
}
