package io.cdcsentinel.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/** A PostgreSQL database of its own for one test class, with the project's source schema applied. */
public record TestDatabase(String name, String jdbcUrl, String user, String password) {

    /** A new connection (the caller closes it). */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl, user, password);
    }

    @Override
    public String toString() {
        return "TestDatabase[" + jdbcUrl + "]";
    }
}
