package io.cdcsentinel.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdcsentinel.config.SinkSettings.Layout;
import java.util.List;
import org.junit.jupiter.api.Test;

class LabelTableTest {
    private final LabelTable replacing = new LabelTable("analytics", "conversation_labels", Layout.REPLACING);
    private final LabelTable legacy = new LabelTable("analytics", "conversation_labels", Layout.LEGACY);

    @Test
    void shouldCreateAReplacingTableSortedByImmutableColumnsOnly() {
        String ddl = replacing.createTable();
        assertThat(ddl).startsWith("CREATE TABLE IF NOT EXISTS `analytics`.`conversation_labels` (")
                .contains("ENGINE = ReplacingMergeTree(version)")
                .endsWith("ORDER BY (customer_id, profile_id, conversation_id)")
                .contains("is_deleted UInt8", "version UInt64", "written_at DateTime('UTC')",
                        "kafka_topic String", "kafka_partition UInt32", "kafka_offset UInt64",
                        "agent_user_id Nullable(String)", "conversation_end_time Nullable(DateTime('UTC'))");
    }

    @Test
    void shouldUseNoSqlThat1816Lacks() {
        for (String ddl : List.of(replacing.createTable(), legacy.createTable())) {
            assertThat(ddl).doesNotContain("DateTime64", "LowCardinality", "is_deleted)", "PARTITION BY", "SETTINGS");
        }
    }

    @Test
    void shouldCreateTheLegacyTableWithTheOldSortingKeyAndNonNullableKeyColumns() {
        String ddl = legacy.createTable();
        assertThat(ddl).endsWith("ORDER BY (toStartOfHour(conversation_end_time), agent_user_id, conversation_id, customer_id, profile_id)")
                .contains("agent_user_id String,", "conversation_end_time DateTime('UTC'),")
                .doesNotContain("agent_user_id Nullable", "conversation_end_time Nullable");
    }

    @Test
    void shouldGiveEveryPartitionOneStableInsertQueryId() {
        assertThat(replacing.insertQueryId("conversation-labels", 3))
                .isEqualTo(replacing.insertQueryId("conversation-labels", 3))
                .isNotEqualTo(replacing.insertQueryId("conversation-labels", 4))
                .isNotEqualTo(new LabelTable("other", "conversation_labels", Layout.REPLACING).insertQueryId("conversation-labels", 3));
    }

    @Test
    void shouldAskForTheHighestOffsetPerPartitionOfOneTopic() {
        assertThat(replacing.maxOffsets("conversation-labels")).isEqualTo(
                "SELECT kafka_partition, max(kafka_offset) FROM `analytics`.`conversation_labels`"
                        + " WHERE kafka_topic = 'conversation-labels' GROUP BY kafka_partition");
        assertThat(replacing.maxOffset("conversation-labels", 2)).isEqualTo(
                "SELECT max(kafka_offset), count() FROM `analytics`.`conversation_labels`"
                        + " WHERE kafka_topic = 'conversation-labels' AND kafka_partition = 2");
    }

    @Test
    void shouldDeleteConversationsByTheirFullKeyWithEscapedLiterals() {
        String sql = legacy.deleteConversations(List.of(new ConversationKey("c1", "p1", "x"),
                new ConversationKey("c'2", "p\\2", "y")));
        assertThat(sql).isEqualTo("ALTER TABLE `analytics`.`conversation_labels` DELETE WHERE"
                + " (customer_id, profile_id, conversation_id) IN (('c1', 'p1', 'x'), ('c\\'2', 'p\\\\2', 'y'))");
    }

    @Test
    void shouldRefuseAnEmptyDelete() {
        assertThatThrownBy(() -> legacy.deleteConversations(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldWaitForMutationsOfThisTableOnly() {
        assertThat(legacy.pendingMutations()).isEqualTo("SELECT count() FROM system.mutations WHERE database = 'analytics'"
                + " AND table = 'conversation_labels' AND is_done = 0");
    }

    @Test
    void shouldListRunningQueriesById() {
        assertThat(LabelTable.runningQueries(List.of("a", "b'c"))).isEqualTo(
                "SELECT query_id FROM system.processes WHERE query_id IN ('a', 'b\\'c')");
    }

    @Test
    void shouldEscapeControlCharactersInLiterals() {
        assertThat(LabelTable.literal("a\nb\tc\0")).isEqualTo("'a\\nb\\tc\\0'");
    }

    @Test
    void shouldRejectNamesThatWouldNeedQuoting() {
        assertThatThrownBy(() -> new LabelTable("db", "a`b", Layout.REPLACING)).isInstanceOf(IllegalArgumentException.class);
    }
}
