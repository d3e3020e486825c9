package io.cdcsentinel.bench;

import io.cdcsentinel.cdc.SourceSchema;
import io.cdcsentinel.config.ClickHouseSettings;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.SinkSettings.Layout;
import io.cdcsentinel.local.Endpoints;
import io.cdcsentinel.sink.LabelStore;
import io.cdcsentinel.sink.LabelTable;
import io.cdcsentinel.verify.Cutoffs;
import io.cdcsentinel.verify.PipelinePosition;
import io.cdcsentinel.verify.Verifier;
import io.cdcsentinel.verify.VerifyReport;
import io.cdcsentinel.verify.VerifyWindow;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The verify figure of issue 15: how long {@code verify}'s comparison takes for {@code n} conversations of one day.
 * Not a test: it measures and reports.
 *
 * <p>Both sides are loaded set-based, not timed: PostgreSQL from {@code generate_series} ({@code n} chats, about
 * {@code 2n} events: every conversation shown assistance, every second one used it, every fifth handed off, every
 * third bot-resolved, so handoff wins is exercised), ClickHouse with one {@code INSERT ... SELECT} from
 * {@code system.numbers} computing the same labels. A few rows are left out of ClickHouse and a few written with
 * another agent, so the run also proves it finds them: {@code n / 100,000} missing and {@code n / 250,000} stale.
 * Then the timed part is exactly what {@code bin/sentinel verify} runs after pinning its position
 * ({@link Verifier#compare}: the label merge and the gap query, with no open alerts), at a position of now, so
 * nothing is in flight.
 */
public final class VerifyBenchmark {
    static final Instant DAY = Instant.parse("2026-01-05T00:00:00Z");

    /** What was loaded and how long each part took. */
    public record Result(int conversations, long events, Duration loadPostgres, Duration loadClickHouse, Duration verify,
            VerifyReport report) {
    }

    private VerifyBenchmark() {
    }

    public static Result run(Endpoints endpoints, String name, int n, boolean keep, Consumer<String> progress) throws Exception {
        String clickhouseUrl = endpoints.clickhouse().orElseThrow(() -> new IllegalStateException(
                "bench verify needs ClickHouse: " + io.cdcsentinel.local.ClickHouseServer.notInstalledMessage()));
        try (Connection admin = DriverManager.getConnection(endpoints.postgresUrl(), endpoints.postgresUser(),
                endpoints.postgresPassword()); Statement s = admin.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        Map<String, String> config = new HashMap<>(endpoints.asConfig());
        config.put(ClickHouseSettings.DATABASE.name(), name);
        ClickHouseSettings clickhouseSettings = ClickHouseSettings.from(ConfigSource.of(config));
        LabelTable table = new LabelTable(name, "conversation_labels", Layout.REPLACING);
        String url = endpoints.postgresUrl().replaceFirst("/[^/?]+(\\?|$)", "/" + name + "$1");
        try (Connection pg = DriverManager.getConnection(url, endpoints.postgresUser(), endpoints.postgresPassword());
                LabelStore clickhouse = new LabelStore(clickhouseSettings, table)) {
            SourceSchema.apply(pg);
            progress.accept("bench verify: loading " + n + " conversations into PostgreSQL " + name);
            long started = System.nanoTime();
            long events = loadPostgres(pg, n);
            Duration loadPostgres = Duration.ofNanos(System.nanoTime() - started);
            progress.accept(String.format("bench verify: PostgreSQL: %,d chats, %,d events in %.1f s", n, events,
                    loadPostgres.toMillis() / 1000.0));
            clickhouse.ensureTable(true);
            started = System.nanoTime();
            clickhouse.execute(insertLabels(table, n));
            clickhouse.execute("OPTIMIZE TABLE " + table.qualifiedName() + " FINAL");
            Duration loadClickHouse = Duration.ofNanos(System.nanoTime() - started);
            progress.accept(String.format("bench verify: ClickHouse: %s rows in %.1f s", clickhouse.query("SELECT count() FROM "
                    + table.qualifiedName()).get(0)[0], loadClickHouse.toMillis() / 1000.0));

            VerifyWindow window = new VerifyWindow(DAY, DAY.plus(Duration.ofDays(1)), List.of());
            PipelinePosition position = PipelinePosition.at(Instant.now());
            Cutoffs cutoffs = new Cutoffs(position.labelsMs(), position.gapsMs(), Duration.ofSeconds(30), Duration.ofMinutes(5),
                    Duration.ofSeconds(10), Duration.ofSeconds(15));
            VerifyReport report = new VerifyReport(window, 20);
            report.position(position);
            started = System.nanoTime();
            Verifier.compare(pg, clickhouse, new HashMap<>(), window, cutoffs, report);
            Duration verify = Duration.ofNanos(System.nanoTime() - started);
            report.elapsed(verify);
            return new Result(n, events, loadPostgres, loadClickHouse, verify, report);
        } finally {
            if (!keep) {
                io.cdcsentinel.local.ClickHouseServer.execute(clickhouseUrl, "DROP DATABASE IF EXISTS " + name);
                try (Connection admin = DriverManager.getConnection(endpoints.postgresUrl(), endpoints.postgresUser(),
                        endpoints.postgresPassword()); Statement s = admin.createStatement()) {
                    s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
                }
            }
        }
    }

    /** {@code n} ended chats of 20 customers and 3 profiles on one day, their events, in three statements. */
    private static long loadPostgres(Connection pg, int n) throws SQLException {
        try (Statement s = pg.createStatement()) {
            s.execute("SET synchronous_commit = off");
            s.execute("INSERT INTO app.chats (conversation_id, customer_id, profile_id, agent_user_id, usecase_id, created_at,"
                    + " ended_at, updated_at)"
                    + " SELECT 'conv-' || i, 'customer-' || (i % 20), 'profile-' || (i % 3), 'agent-' || (i % 500), 'uc-' || (i % 7),"
                    + " t, t + interval '10 minutes', t + interval '10 minutes'"
                    + " FROM (SELECT i, timestamptz '" + DAY + "' + (i % 86400) * interval '1 second' AS t"
                    + " FROM generate_series(1, " + n + ") AS i) g");
            long events = s.executeLargeUpdate("INSERT INTO app.chat_events (event_id, customer_id, profile_id, conversation_id,"
                    + " event_type, created_at)"
                    + " SELECT 'ev-' || i || '-' || k, 'customer-' || (i % 20), 'profile-' || (i % 3), 'conv-' || i, k,"
                    + " timestamptz '" + DAY + "' + (i % 86400) * interval '1 second' + interval '5 minutes'"
                    + " FROM generate_series(1, " + n + ") AS i"
                    + " CROSS JOIN LATERAL (VALUES ('ASSIST_SHOWN', true), ('ASSIST_USED', i % 2 = 0), ('BOT_HANDOFF', i % 5 = 0),"
                    + " ('BOT_RESOLVED', i % 3 = 0)) AS e(k, present) WHERE present");
            s.execute("ANALYZE app.chats");
            s.execute("ANALYZE app.chat_events");
            return events;
        }
    }

    /**
     * The labels the topology would write for the chats of {@link #loadPostgres}, computed in ClickHouse, minus every
     * 100,000th conversation (missing) and with another agent on every 250,000th (stale).
     */
    static String insertLabels(LabelTable table, int n) {
        long day = DAY.getEpochSecond();
        return "INSERT INTO " + table.qualifiedName() + " (" + LabelTable.columnList() + ")"
                + " SELECT concat('customer-', toString(i % 20)), concat('profile-', toString(i % 3)), concat('conv-', toString(i)),"
                + " toUInt64(i), CAST('FINAL' AS Enum8('FINAL' = 1, 'CORRECTION' = 2, 'DELETE' = 3)), toUInt8(0),"
                + " if(i % 250000 = 0, 'agent-stale', concat('agent-', toString(i % 500))), concat('uc-', toString(i % 7)),"
                + " toDateTime(" + day + " + i % 86400), toDateTime(" + day + " + i % 86400 + 600),"
                + " toUInt32(1), toUInt32(i % 2 = 0), toUInt8(i % 2 = 0),"
                + " CAST(multiIf(i % 5 = 0, 'HANDOFF', i % 3 = 0, 'RESOLVED', 'NONE') AS Enum8('NONE' = 0, 'RESOLVED' = 1, 'HANDOFF' = 2)),"
                + " toUInt64((" + day + " + i % 86400 + 600) * 1000), now(), 'bench', toUInt32(0), toUInt64(i)"
                + " FROM (SELECT number + 1 AS i FROM system.numbers LIMIT " + n + ") WHERE i % 100000 != 0";
    }
}
