package dev.eddy.adapters.cdc;

import dev.eddy.adapters.AdapterException;
import dev.eddy.adapters.Settings;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * What change capture needs of PostgreSQL, checked before Debezium starts, so that a missing one stops the adapter
 * within seconds with one line saying what to change, rather than with Debezium's stack traces: that the database
 * answers to the configured user, that {@code wal_level} is {@code logical}, and that the user may replicate.
 */
final class PostgresPreconditions {

    private static final int CONNECT_TIMEOUT_SECONDS = 4;

    private PostgresPreconditions() {
    }

    /** @throws AdapterException naming the setting to change and how */
    static void check(Settings cdc, String host, int port, String database, String user, String password) {
        String where = "PostgreSQL at " + host + ":" + port + " (database " + database + ", user " + user + ")";
        Properties props = login(user, password);
        props.setProperty("connectTimeout", String.valueOf(CONNECT_TIMEOUT_SECONDS));
        props.setProperty("socketTimeout", String.valueOf(CONNECT_TIMEOUT_SECONDS));
        try (Connection db = DriverManager.getConnection(url(host, port, database), props);
                Statement sql = db.createStatement()) {
            String level = single(sql, "SHOW wal_level");
            if (!"logical".equals(level)) {
                throw new AdapterException(where + " has wal_level=" + level + "; change capture needs"
                        + " wal_level=logical: ALTER SYSTEM SET wal_level = logical, then restart PostgreSQL");
            }
            String replicates = single(sql, "SELECT (rolreplication OR rolsuper)::text FROM pg_roles"
                    + " WHERE rolname = current_user");
            if (!"true".equals(replicates)) {
                throw new AdapterException(where + ": the user may not replicate; change capture needs"
                        + " ALTER ROLE " + user + " WITH REPLICATION (or another " + cdc.at("user") + ")");
            }
        } catch (SQLException e) {
            throw new AdapterException("Cannot reach " + where + ": " + e.getMessage() + " (check " + cdc.at("host")
                    + ", " + cdc.at("port") + ", " + cdc.at("database") + ", " + cdc.at("user") + " and "
                    + cdc.at("password") + ")", e);
        }
    }

    /** The JDBC URL of the database. */
    static String url(String host, int port, String database) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    /** The user and password to connect as. */
    static Properties login(String user, String password) {
        Properties props = new Properties();
        props.setProperty("user", user);
        if (password != null) {
            props.setProperty("password", password);
        }
        return props;
    }

    private static String single(Statement sql, String query) throws SQLException {
        try (ResultSet result = sql.executeQuery(query)) {
            return result.next() ? result.getString(1) : null;
        }
    }
}
