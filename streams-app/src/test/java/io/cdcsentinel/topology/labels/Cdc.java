package io.cdcsentinel.topology.labels;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcsentinel.cdc.ChangeEventDeserializer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Writes Debezium PostgreSQL envelopes the way the connector does (JSON converter, schemas off,
 * {@code provide.transaction.metadata=true}): each {@link Tx} is one source transaction with a commit position
 * above the previous one, and its changes carry their 1-based order in it.
 */
final class Cdc {
    static final ObjectMapper JSON = new ObjectMapper();

    private long lastCommit = 22_000_000L;
    private long txId = 740;

    /** A new transaction committed at {@code commitTime}. */
    Tx tx(Instant commitTime) {
        lastCommit += 4_096;
        txId++;
        return new Tx(lastCommit, txId, commitTime.toEpochMilli());
    }

    /**
     * The first transaction streamed after the connector's very first start, as Debezium writes it: no previous
     * commit ({@code sequence [null, lsn]}), and here one that began before the snapshot point, so its change LSNs
     * are below the snapshot reads' LSN although it committed after them.
     */
    Tx firstStreamedTxBegunBeforeTheSnapshot(Instant commitTime) {
        txId++;
        Tx tx = new Tx(lastCommit - 4_096, txId, commitTime.toEpochMilli());
        tx.noPreviousCommit = true;
        return tx;
    }

    /** Snapshot reads (op r): no transaction block, {@code sequence [null, lsn]}. */
    byte[] snapshotRead(String table, ObjectNode row, Instant readTime) {
        ObjectNode envelope = JSON.createObjectNode();
        envelope.putNull("before");
        envelope.set("after", row);
        ObjectNode source = source(envelope, table, readTime.toEpochMilli(), lastCommit + 8);
        source.put("snapshot", "true").put("sequence", "[null,\"" + (lastCommit + 8) + "\"]");
        source.putNull("txId");
        envelope.putNull("transaction");
        envelope.put("op", "r").put("ts_ms", readTime.toEpochMilli() + 3);
        return bytes(envelope);
    }

    static long version(byte[] envelope) {
        try {
            return ChangeEventDeserializer.parse(JSON.readTree(envelope)).source().version();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] bytes(ObjectNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] key(String... columnsAndValues) {
        ObjectNode key = JSON.createObjectNode();
        for (int i = 0; i < columnsAndValues.length; i += 2) {
            key.put(columnsAndValues[i], columnsAndValues[i + 1]);
        }
        return bytes(key);
    }

    private static ObjectNode source(ObjectNode envelope, String table, long tsMs, long lsn) {
        ObjectNode source = envelope.putObject("source");
        source.put("version", "3.6.3.Final").put("connector", "postgresql").put("name", "cdc").put("ts_ms", tsMs)
                .put("db", "postgres").put("ts_us", tsMs * 1000).put("schema", "app").put("table", table).put("lsn", lsn);
        source.putNull("xmin");
        return source;
    }

    final class Tx {
        private final long commitPosition;
        private final long id;
        private final long tsMs;
        private int order;
        private boolean withMetadata = true;
        private boolean noPreviousCommit;

        private Tx(long commitPosition, long id, long tsMs) {
            this.commitPosition = commitPosition;
            this.id = id;
            this.tsMs = tsMs;
        }

        /** As if the connector ran without provide.transaction.metadata. */
        Tx withoutTransactionMetadata() {
            withMetadata = false;
            return this;
        }

        byte[] change(String table, String op, ObjectNode before, ObjectNode after) {
            order++;
            long lsn = commitPosition + 64L * order;
            ObjectNode envelope = JSON.createObjectNode();
            envelope.set("before", before);
            envelope.set("after", after);
            ObjectNode source = source(envelope, table, tsMs, lsn);
            source.put("snapshot", "false").put("txId", id).put("sequence",
                    noPreviousCommit ? "[null,\"" + lsn + "\"]" : "[\"" + commitPosition + "\",\"" + lsn + "\"]");
            if (withMetadata) {
                envelope.putObject("transaction").put("id", id + ":" + lsn).put("total_order", order)
                        .put("data_collection_order", order);
            } else {
                envelope.putNull("transaction");
            }
            envelope.put("op", op).put("ts_ms", tsMs + 7);
            return bytes(envelope);
        }
    }

    static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }
}
