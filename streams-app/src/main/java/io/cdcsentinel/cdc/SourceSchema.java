package io.cdcsentinel.cdc;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/** The project's DDL for the five captured tables ({@code db/source-schema.sql}). */
public final class SourceSchema {
    /** The captured tables, in Debezium's {@code schema.table} form (table.include.list, publication). */
    public static final List<String> TABLES = List.of("director.scorecards", "director.scores",
            "historic.scorecard_scores", "app.chats", "app.chat_events");

    private SourceSchema() {
    }

    public static String ddl() {
        try (InputStream in = SourceSchema.class.getResourceAsStream("/db/source-schema.sql")) {
            if (in == null) {
                throw new IllegalStateException("db/source-schema.sql missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Creates the schemas and tables (idempotent) on {@code connection}, in one transaction. */
    public static void apply(Connection connection) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            statement.execute(ddl());
            connection.commit();
        } catch (SQLException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }
}
