package io.cdcsentinel.sink;

import io.cdcsentinel.config.ClickHouseSettings;
import io.cdcsentinel.config.SinkSettings.Layout;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The ClickHouse table of conversation labels and every statement the sink sends to it. Pure: builds
 * SQL, runs nothing. Every statement works on ClickHouse 18.16 and on 24+ (no {@code DateTime64}, no
 * {@code is_deleted} engine parameter, no lightweight {@code DELETE}, no insert deduplication).
 *
 * <h2>Columns</h2>
 * Both layouts have the same columns, so reports and the oracle queries read either. Times are
 * {@code DateTime('UTC')}: whole seconds (the label's microseconds are truncated; 18.16 has no
 * {@code DateTime64}), always UTC whatever the server's time zone. {@code source_ts_ms} keeps the commit
 * time to the millisecond as a plain integer. {@code version} is {@code UInt64}: the label's version is
 * unsigned in meaning. {@code is_deleted = 1} marks a {@code DELETE} label; readers filter it out
 * ({@code SELECT ... FROM conversation_labels FINAL WHERE is_deleted = 0}).
 *
 * <p>{@code kafka_topic, kafka_partition, kafka_offset} are where the row was read from: the sink's
 * exactly-once bookkeeping lives in the same rows as the data, so it is written by the same INSERT
 * (see the package documentation).
 *
 * <h2>Layouts</h2>
 * <ul>
 *   <li>{@link Layout#REPLACING}: {@code ReplacingMergeTree(version) ORDER BY (customer_id, profile_id,
 *       conversation_id)}. The sorting key holds immutable columns only, so a correction (higher
 *       version) replaces the older row at merge time and in {@code FINAL}.</li>
 *   <li>{@link Layout#LEGACY}: the domain's old key {@code (toStartOfHour(conversation_end_time),
 *       agent_user_id, conversation_id, customer_id, profile_id)}. A re-assigned or re-ended
 *       conversation gets a different key, so the sink deletes the old row first. Sorting-key columns
 *       cannot be {@code Nullable} (18.16; 24+ without {@code allow_nullable_key}), so in this layout
 *       {@code agent_user_id} is {@code ''} and {@code conversation_end_time} is the epoch when unknown.</li>
 * </ul>
 * Neither layout is partitioned: with one partition, one INSERT is one part, committed by one rename,
 * and a cut INSERT can only leave a prefix of its rows (see the package documentation). A partition key
 * would split an INSERT into parts written one after the other.
 */
public final class LabelTable {

    /** One column: its type in each layout. */
    public record Column(String name, String type, String legacyType) {
        String type(Layout layout) {
            return layout == Layout.LEGACY ? legacyType : type;
        }
    }

    public static final List<Column> COLUMNS = List.of(
            new Column("customer_id", "String", "String"),
            new Column("profile_id", "String", "String"),
            new Column("conversation_id", "String", "String"),
            new Column("version", "UInt64", "UInt64"),
            new Column("kind", "Enum8('FINAL' = 1, 'CORRECTION' = 2, 'DELETE' = 3)",
                    "Enum8('FINAL' = 1, 'CORRECTION' = 2, 'DELETE' = 3)"),
            new Column("is_deleted", "UInt8", "UInt8"),
            new Column("agent_user_id", "Nullable(String)", "String"),
            new Column("usecase_id", "Nullable(String)", "Nullable(String)"),
            new Column("conversation_start_time", "Nullable(DateTime('UTC'))", "Nullable(DateTime('UTC'))"),
            new Column("conversation_end_time", "Nullable(DateTime('UTC'))", "DateTime('UTC')"),
            new Column("assist_shown_count", "UInt32", "UInt32"),
            new Column("assist_used_count", "UInt32", "UInt32"),
            new Column("agent_assisted", "UInt8", "UInt8"),
            new Column("bot_outcome", "Enum8('NONE' = 0, 'RESOLVED' = 1, 'HANDOFF' = 2)",
                    "Enum8('NONE' = 0, 'RESOLVED' = 1, 'HANDOFF' = 2)"),
            new Column("source_ts_ms", "UInt64", "UInt64"),
            new Column("written_at", "DateTime('UTC')", "DateTime('UTC')"),
            new Column("kafka_topic", "String", "String"),
            new Column("kafka_partition", "UInt32", "UInt32"),
            new Column("kafka_offset", "UInt64", "UInt64"));

    public static final String REPLACING_SORTING_KEY = "customer_id, profile_id, conversation_id";
    public static final String LEGACY_SORTING_KEY =
            "toStartOfHour(conversation_end_time), agent_user_id, conversation_id, customer_id, profile_id";

    private final String database;
    private final String table;
    private final Layout layout;

    public LabelTable(String database, String table, Layout layout) {
        if (!ClickHouseSettings.isIdentifier(database) || !ClickHouseSettings.isIdentifier(table)) {
            throw new IllegalArgumentException("not a plain identifier: " + database + "." + table);
        }
        this.database = database;
        this.table = table;
        this.layout = Objects.requireNonNull(layout, "layout");
    }

    public String database() {
        return database;
    }

    public String table() {
        return table;
    }

    public Layout layout() {
        return layout;
    }

    /** {@code `db`.`table`}. */
    public String qualifiedName() {
        return "`" + database + "`.`" + table + "`";
    }

    public String createDatabase() {
        return "CREATE DATABASE IF NOT EXISTS `" + database + "`";
    }

    public String createTable() {
        String columns = COLUMNS.stream().map(c -> "    " + c.name() + " " + c.type(layout))
                .collect(Collectors.joining(",\n"));
        String sortingKey = layout == Layout.LEGACY ? LEGACY_SORTING_KEY : REPLACING_SORTING_KEY;
        return "CREATE TABLE IF NOT EXISTS " + qualifiedName() + " (\n" + columns + "\n)\n"
                + "ENGINE = ReplacingMergeTree(version)\n"
                + "ORDER BY (" + sortingKey + ")";
    }

    /** The column list every INSERT names, so a table with extra columns (defaults) still takes the rows. */
    public static String columnList() {
        return COLUMNS.stream().map(Column::name).collect(Collectors.joining(", "));
    }

    /** Engine, sorting key and partition key of the table, one TSV row (none when the table is absent). */
    public String describeTable() {
        return "SELECT engine, sorting_key, partition_key FROM system.tables WHERE database = " + literal(database)
                + " AND name = " + literal(table);
    }

    /** Name and type of each column, TSV. */
    public String describeColumns() {
        return "SELECT name, type FROM system.columns WHERE database = " + literal(database) + " AND table = "
                + literal(table);
    }

    /**
     * The highest offset ClickHouse holds, per partition of {@code topic}. This, not the consumer group's
     * committed offset, is where the sink resumes.
     */
    public String maxOffsets(String topic) {
        return "SELECT kafka_partition, max(kafka_offset) FROM " + qualifiedName() + " WHERE kafka_topic = "
                + literal(topic) + " GROUP BY kafka_partition";
    }

    /** The same for one partition (re-read before a retry). */
    public String maxOffset(String topic, int partition) {
        return "SELECT max(kafka_offset), count() FROM " + qualifiedName() + " WHERE kafka_topic = " + literal(topic)
                + " AND kafka_partition = " + partition;
    }

    /**
     * The {@code query_id} of every INSERT for one partition of one topic into this table: the same for
     * every sink process, every attempt and every restart. ClickHouse refuses a query whose id is already
     * running (error 216), which makes the id a server-side lock: two INSERTs of the same partition (a
     * retry racing a timed-out attempt, a new owner racing the old one) never run at the same time.
     */
    public String insertQueryId(String topic, int partition) {
        return "cdc-sentinel-sink:" + database + "." + table + ":" + topic + ":" + partition;
    }

    /** Which of {@code queryIds} are running now. */
    public static String runningQueries(Collection<String> queryIds) {
        return "SELECT query_id FROM system.processes WHERE query_id IN ("
                + queryIds.stream().map(LabelTable::literal).collect(Collectors.joining(", ")) + ")";
    }

    /** Legacy layout: delete every row of these conversations (a mutation; wait with {@link #pendingMutations()}). */
    public String deleteConversations(Collection<ConversationKey> keys) {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("no conversations to delete");
        }
        return "ALTER TABLE " + qualifiedName() + " DELETE WHERE (customer_id, profile_id, conversation_id) IN ("
                + keys.stream().map(k -> "(" + literal(k.customerId()) + ", " + literal(k.profileId()) + ", "
                        + literal(k.conversationId()) + ")").collect(Collectors.joining(", "))
                + ")";
    }

    /**
     * Unfinished mutations of the table. 18.16 has no {@code mutations_sync}, so waiting for a mutation
     * means polling {@code system.mutations} until {@code is_done}.
     */
    public String pendingMutations() {
        return "SELECT count() FROM system.mutations WHERE database = " + literal(database) + " AND table = "
                + literal(table) + " AND is_done = 0";
    }

    /** A ClickHouse string literal: quotes and backslashes escaped. */
    public static String literal(String value) {
        StringBuilder sb = new StringBuilder(value.length() + 2).append('\'');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\'' -> sb.append("\\'");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\0' -> sb.append("\\0");
                default -> sb.append(c);
            }
        }
        return sb.append('\'').toString();
    }
}
