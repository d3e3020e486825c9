package io.cdcsentinel.sim;

import io.cdcsentinel.config.PostgresSettings;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Executes planned transactions on a few JDBC connections ("lanes"), each transaction with its own BEGIN and
 * COMMIT exactly as the API would commit it. A story always uses the same lane, so its transactions commit in
 * plan order; different stories interleave.
 *
 * <p>Speed without changing transaction boundaries: a lane sends up to {@code pipeline} queued transactions in
 * one round trip, as one multi-statement text {@code BEGIN; ...; COMMIT; BEGIN; ...; COMMIT} in autocommit mode
 * (one transaction alone goes without BEGIN/COMMIT: the statements of one execute are one implicit transaction).
 * PostgreSQL runs each BEGIN/COMMIT pair as its own transaction (the extended protocol only adds an implicit
 * transaction for statements outside an explicit block, and there are none), so Debezium sees exactly the
 * transactions of the plan. A JDBC batch is not used for this: in autocommit mode the driver runs a whole batch
 * as one implicit transaction. Every statement's row count is checked against the plan.
 */
final class TxWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TxWriter.class);
    private static final Tx END = new Tx(-1, -1, null, -1, List.of(), Map.of(), List.of());

    /** Receives every committed transaction, on the lane's thread, right after its round trip returned. */
    interface CommitListener {
        void committed(List<Tx> transactions);
    }

    private final List<Lane> lanes = new ArrayList<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Counts counts;
    private final CommitListener listener;
    private final int pipeline;

    TxWriter(PostgresSettings postgres, int connections, int pipeline, Counts counts, CommitListener listener)
            throws SQLException {
        this.counts = counts;
        this.listener = listener;
        this.pipeline = pipeline;
        Properties props = new Properties();
        props.setProperty("user", postgres.user());
        props.setProperty("password", postgres.password());
        props.setProperty("ApplicationName", "sentinel-simulate");
        try {
            for (int i = 0; i < connections; i++) {
                Connection c = DriverManager.getConnection(postgres.jdbcUrl(), props);
                c.setAutoCommit(true);
                lanes.add(new Lane(i, c));
            }
        } catch (SQLException e) {
            close();
            throw e;
        }
        lanes.forEach(l -> l.thread.start());
    }

    int lanes() {
        return lanes.size();
    }

    /** Queues a transaction on its lane; blocks while the lane is full; throws once any lane has failed. */
    void submit(Tx tx) throws InterruptedException {
        Lane lane = lanes.get(tx.lane());
        while (!lane.queue.offer(tx, 100, TimeUnit.MILLISECONDS)) {
            throwIfFailed();
        }
        throwIfFailed();
    }

    /** Waits until every queued transaction has committed; rethrows the first failure. */
    void finish() throws InterruptedException {
        for (Lane l : lanes) {
            while (!l.queue.offer(END, 100, TimeUnit.MILLISECONDS)) {
                throwIfFailed();
            }
        }
        for (Lane l : lanes) {
            l.thread.join();
        }
        throwIfFailed();
    }

    void throwIfFailed() {
        Throwable t = failure.get();
        if (t != null) {
            throw new SimulationException(t.getMessage(), t);
        }
    }

    @Override
    public void close() {
        for (Lane l : lanes) {
            l.thread.interrupt();
        }
        for (Lane l : lanes) {
            try {
                l.thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                l.connection.close();
            } catch (SQLException e) {
                LOG.debug("closing lane {}: {}", l.index, e.toString());
            }
        }
    }

    private final class Lane implements Runnable {
        final int index;
        final Connection connection;
        final BlockingQueue<Tx> queue = new ArrayBlockingQueue<>(8192);
        final Thread thread;
        final Write.Binder binder;
        final StringBuilder sql = new StringBuilder(4096);

        Lane(int index, Connection connection) {
            this.index = index;
            this.connection = connection;
            this.binder = new Write.Binder(connection);
            this.thread = new Thread(this, "sentinel-simulate-lane-" + index);
            this.thread.setDaemon(true);
        }

        @Override
        public void run() {
            List<Tx> batch = new ArrayList<>(pipeline);
            try {
                while (true) {
                    Tx first = queue.take();
                    if (first == END) {
                        return;
                    }
                    batch.clear();
                    batch.add(first);
                    boolean end = false;
                    while (batch.size() < pipeline) {
                        Tx next = queue.poll();
                        if (next == null) {
                            break;
                        }
                        if (next == END) {
                            end = true;
                            break;
                        }
                        batch.add(next);
                    }
                    execute(batch);
                    if (end) {
                        return;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Throwable t) {
                failure.compareAndSet(null, describe(t));
                rollbackQuietly();
            }
        }

        private void execute(List<Tx> batch) throws SQLException {
            // A single transaction needs no BEGIN/COMMIT: in autocommit mode the statements of one execute (up to
            // the driver's one Sync) form one implicit transaction. Several need them to stay apart.
            boolean explicit = batch.size() > 1;
            sql.setLength(0);
            for (Tx tx : batch) {
                if (explicit) {
                    sql.append("BEGIN;");
                }
                for (Write w : tx.writes()) {
                    sql.append(w.sql()).append(';');
                }
                if (explicit) {
                    sql.append("COMMIT;");
                }
            }
            try (PreparedStatement ps = connection.prepareStatement(sql.toString())) {
                binder.reset(ps);
                for (Tx tx : batch) {
                    for (Write w : tx.writes()) {
                        w.bind(binder);
                    }
                }
                ps.execute();
                checkRowCounts(ps, batch, explicit);
            }
            long rows = 0;
            for (Tx tx : batch) {
                rows += tx.rows();
                tx.counts().forEach(counts::add);
            }
            counts.add(Count.TRANSACTIONS, batch.size());
            counts.add(Count.ROWS, rows);
            if (listener != null) {
                listener.committed(batch);
            }
        }

        /** Results come in statement order: (BEGIN,) the writes, (COMMIT,) for each transaction. */
        private void checkRowCounts(Statement ps, List<Tx> batch, boolean explicit) throws SQLException {
            boolean first = true;
            for (Tx tx : batch) {
                if (explicit) {
                    skip(ps, first); // BEGIN
                    first = false;
                }
                for (Write w : tx.writes()) {
                    skip(ps, first);
                    first = false;
                    int n = ps.getUpdateCount();
                    if (n != w.rows()) {
                        throw new IllegalStateException("expected " + w.rows() + " rows, got " + n + " for "
                                + w.getClass().getSimpleName() + " of story " + tx.story() + " at " + tx.at());
                    }
                }
                if (explicit) {
                    skip(ps, false); // COMMIT
                }
            }
        }

        private static void skip(Statement ps, boolean first) throws SQLException {
            if (!first) {
                ps.getMoreResults();
            }
        }

        private void rollbackQuietly() {
            try (Statement s = connection.createStatement()) {
                s.execute("ROLLBACK");
            } catch (SQLException e) {
                LOG.debug("rollback after failure on lane {}: {}", index, e.toString());
            }
        }
    }

    private static Throwable describe(Throwable t) {
        if (t instanceof SQLException e && "23505".equals(e.getSQLState())) {
            return new SimulationException("a row the simulation writes already exists (" + e.getMessage().lines()
                    .findFirst().orElse("") + "): this seed was already written to this database; use another --seed"
                    + " or an empty database", e);
        }
        return t;
    }
}
