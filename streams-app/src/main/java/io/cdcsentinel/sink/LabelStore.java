package io.cdcsentinel.sink;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.command.CommandResponse;
import com.clickhouse.client.api.command.CommandSettings;
import com.clickhouse.client.api.insert.InsertResponse;
import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.client.api.query.QueryResponse;
import com.clickhouse.client.api.query.QuerySettings;
import com.clickhouse.data.ClickHouseFormat;
import io.cdcsentinel.config.ClickHouseSettings;
import io.cdcsentinel.config.SinkSettings.Layout;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sink's side of ClickHouse: one {@code client-v2} client over HTTP, and the few requests the sink
 * makes of {@link LabelTable}. No retries here (the client's own are switched off): the sink decides
 * what to do after a failure, because for an INSERT the right next step is to re-read first.
 *
 * <p>The client is built with {@code compressServerResponse(false)}: 18.16 cannot answer compressed the
 * way the client expects. Results are read as {@code TabSeparated}, which every version writes.
 */
public final class LabelStore implements AutoCloseable, SinkStore {
    private static final Logger LOG = LoggerFactory.getLogger(LabelStore.class);

    private final Client client;
    private final LabelTable table;

    public LabelStore(ClickHouseSettings settings, LabelTable table) {
        this.client = newClient(settings);
        this.table = table;
    }

    /** A client for {@code settings}: no compression (18.16), no client-side retries. */
    public static Client newClient(ClickHouseSettings settings) {
        String endpoint = settings.url().toString();
        return new Client.Builder()
                .addEndpoint(endpoint)
                .setUsername(settings.user())
                .setPassword(settings.password())
                .compressServerResponse(false)
                .compressClientRequest(false)
                .setMaxRetries(0)
                .setConnectTimeout(settings.connectTimeout().toMillis(), ChronoUnit.MILLIS)
                .setSocketTimeout(settings.socketTimeout().toMillis(), ChronoUnit.MILLIS)
                .setClientName("cdc-sentinel-sink")
                .build();
    }

    public LabelTable table() {
        return table;
    }

    /**
     * Creates the database and the table when absent (if {@code create}), then checks that the table can
     * take the sink's rows: every column present, a {@code ReplacingMergeTree}, and for the replacing
     * layout the immutable sorting key (otherwise corrections would add rows instead of replacing them).
     *
     * @throws IllegalStateException naming what is wrong and what to do
     */
    public void ensureTable(boolean create) {
        if (create) {
            execute(table.createDatabase());
            execute(table.createTable());
        }
        List<String[]> described = query(table.describeTable());
        if (described.isEmpty()) {
            throw new IllegalStateException("table " + table.qualifiedName() + " does not exist; create it (sink.table.create=true"
                    + " does so) with:\n" + table.createTable());
        }
        String engine = described.get(0)[0];
        String sortingKey = described.get(0).length > 1 ? described.get(0)[1] : "";
        String partitionKey = described.get(0).length > 2 ? described.get(0)[2] : "";
        if (!engine.startsWith("ReplacingMergeTree") && !engine.startsWith("ReplicatedReplacingMergeTree")) {
            throw new IllegalStateException("table " + table.qualifiedName() + " has engine " + engine
                    + "; the sink needs ReplacingMergeTree(version), see " + table.createTable());
        }
        Set<String> present = query(table.describeColumns()).stream().map(r -> r[0]).collect(Collectors.toSet());
        List<String> missing = LabelTable.COLUMNS.stream().map(LabelTable.Column::name).filter(c -> !present.contains(c)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalStateException("table " + table.qualifiedName() + " lacks column(s) " + missing
                    + "; add them (ALTER TABLE ... ADD COLUMN) with the types of " + table.createTable());
        }
        if (table.layout() == Layout.REPLACING && !normalize(sortingKey).equals(normalize(LabelTable.REPLACING_SORTING_KEY))) {
            throw new IllegalStateException("table " + table.qualifiedName() + " is sorted by (" + sortingKey
                    + "), not by (" + LabelTable.REPLACING_SORTING_KEY + "): a correction would add a second row."
                    + " Set sink.layout=legacy for this table, or write a table created by the replacing layout");
        }
        if (!partitionKey.isBlank()) {
            LOG.warn("table {} is partitioned by ({}): one INSERT may be split into several parts written one after"
                    + " the other, and a crash between them breaks the sink's exactly-once guarantee (duplicates, never"
                    + " losses). Prefer an unpartitioned table.", table.qualifiedName(), partitionKey);
        }
    }

    private static String normalize(String key) {
        return key.replace(" ", "");
    }

    /** The highest offset ClickHouse holds for each partition of {@code topic} that has rows. */
    @Override
    public Map<Integer, Long> maxOffsets(String topic) {
        Map<Integer, Long> result = new HashMap<>();
        for (String[] row : query(table.maxOffsets(topic))) {
            result.put(Integer.parseInt(row[0]), Long.parseLong(row[1]));
        }
        return result;
    }

    /** The highest offset ClickHouse holds for one partition, empty when it holds none. */
    @Override
    public OptionalLong maxOffset(String topic, int partition) {
        List<String[]> rows = query(table.maxOffset(topic, partition));
        if (rows.isEmpty() || Long.parseLong(rows.get(0)[1]) == 0) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(Long.parseLong(rows.get(0)[0]));
    }

    /** Which of {@code queryIds} are running on the server now. */
    @Override
    public Set<String> runningQueries(Collection<String> queryIds) {
        if (queryIds.isEmpty()) {
            return Set.of();
        }
        Set<String> running = new HashSet<>();
        for (String[] row : query(LabelTable.runningQueries(queryIds))) {
            running.add(row[0]);
        }
        return running;
    }

    /**
     * One INSERT of {@code rows} under {@code queryId}, with {@code max_insert_block_size} above the row
     * count so the server forms a single block of it.
     */
    @Override
    public void insert(String queryId, LabelRowEncoder.RowBuffer rows) {
        InsertSettings settings = new InsertSettings()
                .setQueryId(queryId)
                .serverSetting("max_insert_block_size", Integer.toString(Math.max(rows.rows() + 1, 1_048_576)));
        List<String> columns = LabelTable.COLUMNS.stream().map(LabelTable.Column::name).toList();
        try (InsertResponse ignored = client.insert(table.qualifiedName(), columns, rows::writeTo, ClickHouseFormat.JSONEachRow,
                settings).get()) {
            // response fully read: the server has committed the part
        } catch (Exception e) {
            throw unwrap(e);
        }
    }

    /** Legacy layout: starts the mutation that deletes every row of {@code keys}. */
    @Override
    public void deleteConversations(Collection<ConversationKey> keys) {
        // One mutation per batch: its IN list can outgrow the default 256 KiB max_query_size.
        CommandSettings settings = new CommandSettings();
        settings.serverSetting("max_query_size", Integer.toString(64 << 20));
        try (CommandResponse ignored = client.execute(table.deleteConversations(keys), settings).get()) {
            // the mutation is registered; it runs in the background
        } catch (Exception e) {
            throw unwrap(e);
        }
    }

    /** Unfinished mutations of the table. */
    @Override
    public long pendingMutations() {
        List<String[]> rows = query(table.pendingMutations());
        return rows.isEmpty() ? 0 : Long.parseLong(rows.get(0)[0]);
    }

    public void execute(String sql) {
        try (CommandResponse ignored = client.execute(sql).get()) {
            // done
        } catch (Exception e) {
            throw unwrap(e);
        }
    }

    /** Runs a query and returns its TabSeparated rows, split into (unescaped) fields. */
    public List<String[]> query(String sql) {
        QuerySettings settings = new QuerySettings().setFormat(ClickHouseFormat.TabSeparated);
        try (QueryResponse response = client.query(sql, settings).get();
                BufferedReader reader = new BufferedReader(new InputStreamReader(response.getInputStream(), StandardCharsets.UTF_8))) {
            List<String[]> rows = new ArrayList<>();
            String line;
            while ((line = reader.readLine()) != null) {
                String[] fields = line.split("\t", -1);
                for (int i = 0; i < fields.length; i++) {
                    fields[i] = unescapeTsv(fields[i]);
                }
                rows.add(fields);
            }
            return rows;
        } catch (Exception e) {
            throw unwrap(e);
        }
    }

    /**
     * Runs a query and hands its TabSeparated rows back one at a time, {@code \\N} as null: for results too large to
     * hold (verify reads a whole window of labels this way, merging it with PostgreSQL as it arrives).
     */
    public Rows stream(String sql) {
        QuerySettings settings = new QuerySettings().setFormat(ClickHouseFormat.TabSeparated);
        QueryResponse response = null;
        try {
            response = client.query(sql, settings).get();
            return new Rows(response, new BufferedReader(new InputStreamReader(response.getInputStream(), StandardCharsets.UTF_8),
                    1 << 16));
        } catch (Exception e) {
            if (response != null) {
                try {
                    response.close();
                } catch (Exception ignored) {
                    // the query failed already; that is the error to report
                }
            }
            throw unwrap(e);
        }
    }

    /** The rows of one streamed query; close it to release the HTTP connection. */
    public static final class Rows implements AutoCloseable {
        private final QueryResponse response;
        private final BufferedReader reader;

        Rows(QueryResponse response, BufferedReader reader) {
            this.response = response;
            this.reader = reader;
        }

        /** The next row's fields, unescaped, {@code \\N} as null; null after the last row. */
        public String[] next() {
            try {
                String line = reader.readLine();
                if (line == null) {
                    return null;
                }
                String[] fields = line.split("\t", -1);
                for (int i = 0; i < fields.length; i++) {
                    fields[i] = "\\N".equals(fields[i]) ? null : unescapeTsv(fields[i]);
                }
                return fields;
            } catch (java.io.IOException e) {
                throw new ClickHouseRequestException(e);
            }
        }

        @Override
        public void close() {
            try {
                reader.close();
                response.close();
            } catch (Exception e) {
                LOG.debug("closing a streamed ClickHouse query: {}", e.toString());
            }
        }
    }

    /** The server's version string, e.g. {@code 18.16.1}. */
    public String serverVersion() {
        return query("SELECT version()").get(0)[0];
    }

    static String unescapeTsv(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder sb = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 1 < field.length()) {
                char n = field.charAt(++i);
                switch (n) {
                    case 't' -> sb.append('\t');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case '0' -> sb.append('\0');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    default -> sb.append(n);
                }
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** The client's future wraps its exceptions; the sink classifies the cause, so hand that back. */
    private static RuntimeException unwrap(Exception e) {
        Throwable t = e;
        while ((t instanceof ExecutionException || t instanceof java.util.concurrent.CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        return t instanceof RuntimeException re ? re : new ClickHouseRequestException(t);
    }

    @Override
    public void close() {
        client.close();
    }

    /** A checked failure of a ClickHouse request (I/O, interruption), carried unchecked. */
    public static final class ClickHouseRequestException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ClickHouseRequestException(Throwable cause) {
            super(cause.toString(), cause);
        }
    }
}
