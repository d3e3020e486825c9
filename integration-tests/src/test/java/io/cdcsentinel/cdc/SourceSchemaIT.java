package io.cdcsentinel.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.cdcsentinel.testing.StackExtension;
import io.cdcsentinel.testing.StackFixture;
import io.cdcsentinel.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Applying the DDL to a database that already has the schema must not take locks that a running capture
 * holds against it: Debezium's snapshot reads the tables in one REPEATABLE READ transaction (AccessShareLock
 * on each, table after table), and the simulator applies the DDL while CDC runs. An unconditional
 * {@code ALTER TABLE ... REPLICA IDENTITY FULL} asks for AccessExclusiveLock and deadlocked with it.
 */
@ExtendWith(StackExtension.class)
class SourceSchemaIT {

    @Test
    void shouldReapplyTheSchemaWithoutWaitingForAReaderOfTheTables(StackFixture stack) throws Exception {
        TestDatabase db = stack.createDatabase();
        try (Connection reader = db.connect(); Connection ddl = db.connect()) {
            SourceSchema.apply(ddl);
            reader.setAutoCommit(false);
            try (Statement s = reader.createStatement()) {
                for (String table : SourceSchema.TABLES) {
                    s.execute("SELECT count(*) FROM " + table);
                }
            }
            try (Statement s = ddl.createStatement()) {
                s.execute("SET lock_timeout = '2s'");
            }
            assertThatCode(() -> SourceSchema.apply(ddl)).doesNotThrowAnyException();
            reader.rollback();
        }
    }

    @Test
    void shouldSetReplicaIdentityFullOnEveryCapturedTable(StackFixture stack) throws Exception {
        TestDatabase db = stack.createDatabase();
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE app.chats REPLICA IDENTITY DEFAULT");
            SourceSchema.apply(c);
            List<String> identities = new ArrayList<>();
            for (String table : SourceSchema.TABLES) {
                try (ResultSet rs = s.executeQuery("SELECT relreplident FROM pg_class WHERE oid = '" + table + "'::regclass")) {
                    rs.next();
                    identities.add(table + "=" + rs.getString(1));
                }
            }
            assertThat(identities).allMatch(i -> i.endsWith("=f"));
        }
    }
}
