package dev.eddy.engine.state;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.eddy.engine.StateBackend;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;

/**
 * Keyed state in PostgreSQL: one row per function and key in the table {@code eddy_state} (created when missing),
 * holding the state and its fence. A write applies only when the row's fence is older than the record's — one
 * statement, {@code INSERT … ON CONFLICT … DO UPDATE … WHERE} — so that a record delivered again after a crash is
 * not applied twice. {@link #sweep} deletes the keys whose every entry has expired and rewrites those with some
 * expired entries, each only if no call wrote the key meanwhile.
 */
public final class PostgresKeyedStore implements ExternalStore {

    private static final String CREATE = """
            CREATE TABLE IF NOT EXISTS eddy_state (
              function text NOT NULL,
              key text NOT NULL,
              fence_source text NOT NULL,
              fence_offset bigint NOT NULL,
              state bytea NOT NULL,
              next_expiry bigint NOT NULL,
              last_expiry bigint NOT NULL,
              PRIMARY KEY (function, key))""";
    private static final String INDEX =
            "CREATE INDEX IF NOT EXISTS eddy_state_expiry ON eddy_state (function, next_expiry)";
    private static final String READ = "SELECT state FROM eddy_state WHERE function = ? AND key = ?";
    private static final String SAVE = """
            INSERT INTO eddy_state AS s (function, key, fence_source, fence_offset, state, next_expiry, last_expiry)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (function, key) DO UPDATE SET fence_source = excluded.fence_source,
              fence_offset = excluded.fence_offset, state = excluded.state, next_expiry = excluded.next_expiry,
              last_expiry = excluded.last_expiry
            WHERE NOT (s.fence_source = excluded.fence_source AND s.fence_offset >= excluded.fence_offset)""";
    private static final String DELETE = "DELETE FROM eddy_state WHERE function = ? AND key = ?"
            + " AND NOT (fence_source = ? AND fence_offset >= ?)";
    private static final String DELETE_EXPIRED = "DELETE FROM eddy_state WHERE function = ? AND last_expiry <= ?";
    private static final String PARTLY_EXPIRED = "SELECT key, state FROM eddy_state WHERE function = ?"
            + " AND next_expiry <= ? LIMIT 1000";
    private static final String SWEEP = "UPDATE eddy_state SET state = ?, next_expiry = ?, last_expiry = ?"
            + " WHERE function = ? AND key = ? AND fence_source = ? AND fence_offset = ?";
    private static final String KEYS = "SELECT key FROM eddy_state WHERE function = ? AND key > ? ORDER BY key"
            + " LIMIT ?";

    private final String function;
    private final String url;
    private final HikariDataSource pool;
    private final StateMetrics metrics;

    /**
     * @param url         a JDBC URL, {@code jdbc:postgresql://host:port/database[?user=...&password=...]}
     * @param connections the most connections to hold
     * @throws StateStoreException when the database cannot be reached or the table cannot be created
     */
    public PostgresKeyedStore(String function, String url, int connections, StateMetrics metrics) {
        this.function = function;
        this.url = url;
        this.metrics = metrics;
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setPoolName("eddy-state-" + function);
        config.setMaximumPoolSize(connections);
        config.setMinimumIdle(1);
        config.setConnectionTimeout(10_000);
        config.setInitializationFailTimeout(10_000);
        try {
            this.pool = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new StateStoreException("Function '" + function + "' cannot reach PostgreSQL at "
                    + StateBackend.Urls.withoutPassword(url) + ": " + rootMessage(e), e);
        }
        createTable();
    }

    private void createTable() {
        try (Connection connection = pool.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(CREATE);
            statement.execute(INDEX);
        } catch (SQLException e) {
            if (!"23505".equals(e.getSQLState())) { // another engine created it at the same moment
                close();
                throw failure("cannot create the table eddy_state", e);
            }
        }
    }

    @Override
    public Optional<KeyState> read(String key) {
        try (Connection connection = pool.getConnection();
             PreparedStatement select = connection.prepareStatement(READ)) {
            select.setString(1, function);
            select.setString(2, key);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? Optional.of(KeyState.decode(row.getBytes(1))) : Optional.empty();
            }
        } catch (SQLException e) {
            throw failure("cannot read the state of key '" + key + "'", e);
        }
    }

    @Override
    public CompletableFuture<Void> save(TopicPartition source, String key, byte[] recordKey, KeyState state,
            CompletableFuture<Void> emitted) {
        try (Connection connection = pool.getConnection()) {
            if (state.isEmpty()) {
                try (PreparedStatement delete = connection.prepareStatement(DELETE)) {
                    delete.setString(1, function);
                    delete.setString(2, key);
                    delete.setString(3, state.fenceSource());
                    delete.setLong(4, state.fenceOffset());
                    delete.executeUpdate();
                }
            } else {
                try (PreparedStatement upsert = connection.prepareStatement(SAVE)) {
                    upsert.setString(1, function);
                    upsert.setString(2, key);
                    upsert.setString(3, state.fenceSource());
                    upsert.setLong(4, state.fenceOffset());
                    upsert.setBytes(5, state.encode());
                    upsert.setLong(6, state.nextExpiry());
                    upsert.setLong(7, state.lastExpiry());
                    upsert.executeUpdate();
                }
            }
        } catch (SQLException e) {
            throw failure("cannot write the state of key '" + key + "'", e);
        }
        return WRITTEN;
    }

    @Override
    public int sweep(long nowMillis) {
        int changed = 0;
        try (Connection connection = pool.getConnection()) {
            try (PreparedStatement delete = connection.prepareStatement(DELETE_EXPIRED)) {
                delete.setString(1, function);
                delete.setLong(2, nowMillis);
                changed += delete.executeUpdate();
            }
            Map<String, KeyState> partly = new LinkedHashMap<>();
            try (PreparedStatement select = connection.prepareStatement(PARTLY_EXPIRED)) {
                select.setString(1, function);
                select.setLong(2, nowMillis);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        partly.put(rows.getString(1), KeyState.decode(rows.getBytes(2)));
                    }
                }
            }
            try (PreparedStatement update = connection.prepareStatement(SWEEP)) {
                for (Map.Entry<String, KeyState> row : partly.entrySet()) {
                    KeyState left = row.getValue();
                    left.dropExpired(nowMillis);
                    update.setBytes(1, left.encode());
                    update.setLong(2, left.nextExpiry());
                    update.setLong(3, left.lastExpiry());
                    update.setString(4, function);
                    update.setString(5, row.getKey());
                    update.setString(6, left.fenceSource());
                    update.setLong(7, left.fenceOffset());
                    changed += update.executeUpdate();
                }
            }
        } catch (SQLException e) {
            throw failure("cannot remove expired state", e);
        }
        metrics.expired.increment(changed);
        return changed;
    }

    @Override
    public Page keys(String cursor, int limit) {
        List<String> keys = new ArrayList<>();
        try (Connection connection = pool.getConnection();
             PreparedStatement select = connection.prepareStatement(KEYS)) {
            select.setString(1, function);
            select.setString(2, cursor == null ? "" : cursor);
            select.setInt(3, limit);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    keys.add(rows.getString(1));
                }
            }
        } catch (SQLException e) {
            throw failure("cannot list keys", e);
        }
        return new Page(keys, keys.size() < limit ? null : keys.get(keys.size() - 1));
    }

    @Override
    public long deleteAll() {
        try (Connection connection = pool.getConnection();
             PreparedStatement delete = connection.prepareStatement("DELETE FROM eddy_state WHERE function = ?")) {
            delete.setString(1, function);
            return delete.executeUpdate();
        } catch (SQLException e) {
            throw failure("cannot delete its state", e);
        }
    }

    private StateStoreException failure(String what, SQLException e) {
        return new StateStoreException("Function '" + function + "' " + what + " in PostgreSQL at "
                + StateBackend.Urls.withoutPassword(url) + ": " + e.getMessage(), e);
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage();
    }

    @Override
    public void close() {
        pool.close();
    }
}
