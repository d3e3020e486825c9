package io.cdcsentinel.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdcsentinel.cdc.SourceSchema;
import io.cdcsentinel.config.CdcSettings;
import io.cdcsentinel.config.ConfigSource;
import io.cdcsentinel.config.KafkaSettings;
import io.cdcsentinel.config.PostgresSettings;
import io.cdcsentinel.config.RegistrySettings;
import io.cdcsentinel.config.StreamsSettings;
import io.cdcsentinel.config.TopicNames;
import io.cdcsentinel.testing.StackExtension;
import io.cdcsentinel.testing.StackFixture;
import io.cdcsentinel.testing.TestDatabase;
import io.cdcsentinel.testing.TestStack;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The test harness every integration test relies on: isolation between test classes on the shared stack. */
@ExtendWith(StackExtension.class)
class StackFixtureIT {

    @Test
    void shouldGiveEachPipelineConfigItsOwnDatabaseAndNames(StackFixture stack) throws Exception {
        ConfigSource first = stack.config(Map.of());
        ConfigSource second = stack.config(Map.of(TopicNames.PREFIX.name(), "explicit"));

        for (var key : List.of(PostgresSettings.URL, TopicNames.GAPS, TopicNames.LABELS, TopicNames.DLQ,
                StreamsSettings.APPLICATION_ID, StreamsSettings.STATE_DIR, CdcSettings.SLOT, CdcSettings.PUBLICATION,
                CdcSettings.OFFSETS_TOPIC)) {
            assertThat(key.read(first)).as(key.name()).isNotEqualTo(key.read(second));
        }
        assertThat(TopicNames.from(second).prefix()).isEqualTo("explicit");
        // Every unique name passes the application's own validation.
        assertThat(CdcSettings.from(first).slotName()).matches("[a-z0-9_]{1,63}");
        assertThat(StreamsSettings.from(first).applicationId()).isNotBlank();
        assertThat(KafkaSettings.from(first).bootstrap()).isEqualTo(TestStack.shared().endpoints().kafkaBootstrap());
        assertThat(RegistrySettings.from(first).url().toString()).isEqualTo(TestStack.shared().endpoints().registryUrl());

        PostgresSettings postgres = PostgresSettings.from(first);
        try (Connection connection = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password())) {
            assertThat(tables(connection)).containsExactlyInAnyOrderElementsOf(SourceSchema.TABLES);
            try (Statement statement = connection.createStatement()) {
                statement.execute("INSERT INTO app.chats (conversation_id, customer_id, profile_id) VALUES ('c1', 'a', 'p')");
            }
        }
        PostgresSettings other = PostgresSettings.from(second);
        try (Connection connection = DriverManager.getConnection(other.jdbcUrl(), other.user(), other.password());
                Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery("SELECT count(*) FROM app.chats")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).as("rows seen from the other database").isZero();
        }
    }

    @Test
    void shouldCreateAClickHouseDatabaseOfItsOwn(StackFixture stack) {
        String database = stack.createClickHouseDatabase();

        String url = stack.endpoints().clickhouseUrl();
        ClickHouseServer.execute(url, "CREATE TABLE " + database + ".t (id UInt64, version UInt64)"
                + " ENGINE = ReplacingMergeTree(version) ORDER BY id");
        ClickHouseServer.execute(url, "INSERT INTO " + database + ".t VALUES (1, 1), (1, 2)");
        assertThat(ClickHouseServer.execute(url, "SELECT id, version FROM " + database + ".t FINAL").strip()).isEqualTo("1\t2");
    }

    @Test
    void shouldDropItsDatabasesAndReplicationSlotsWhenClosed(StackFixture stack) throws Exception {
        TestDatabase database;
        String slot;
        String clickHouseDatabase;
        try (StackFixture own = StackFixture.forClass(StackFixtureIT.class)) {
            database = own.createDatabase();
            clickHouseDatabase = own.createClickHouseDatabase();
            slot = own.uniqueName("slot");
            try (Connection connection = database.connect();
                    PreparedStatement create = connection.prepareStatement("SELECT pg_create_logical_replication_slot(?, 'pgoutput')")) {
                create.setString(1, slot);
                create.execute();
            }
        }

        try (Connection admin = DriverManager.getConnection(stack.endpoints().postgresUrl("postgres"),
                stack.endpoints().postgresUser(), stack.endpoints().postgresPassword())) {
            assertThat(count(admin, "SELECT count(*) FROM pg_database WHERE datname = ?", database.name())).isZero();
            assertThat(count(admin, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = ?", slot)).isZero();
        }
        assertThat(ClickHouseServer.execute(stack.endpoints().clickhouseUrl(),
                "SELECT count() FROM system.databases WHERE name = '" + clickHouseDatabase + "'").strip()).isEqualTo("0");
    }

    @Test
    void shouldNotHandOutTheSharedBroker(StackFixture stack) {
        assertThatThrownBy(stack::kafka).isInstanceOf(IllegalStateException.class).hasMessageContaining("withPrivate");
    }

    @Test
    void shouldMakeNamesThatAreValidEverywhere(StackFixture stack) {
        String name = stack.uniqueName("Some-Test.Class With Spaces and a very long name that goes on and on and on");

        assertThat(name).matches("[a-z][a-z0-9_]{0,62}");
        assertThat(stack.uniqueName("x")).isNotEqualTo(stack.uniqueName("x"));
    }

    private static List<String> tables(Connection connection) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(
                "SELECT table_schema || '.' || table_name FROM information_schema.tables"
                        + " WHERE table_schema IN ('director', 'historic', 'app')")) {
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
        }
        return tables;
    }

    private static long count(Connection connection, String sql, String parameter) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, parameter);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
