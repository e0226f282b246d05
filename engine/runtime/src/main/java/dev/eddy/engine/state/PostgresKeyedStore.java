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
 * holding the state with its fences and the key's count of writes ({@code version}). A write applies only when the
 * row's version is still the one its state was read at — one statement each, an {@code INSERT … ON CONFLICT DO
 * NOTHING} for a new key, an {@code UPDATE … WHERE version = ?} for one that exists — so that a record of the same
 * key from another partition, or a former owner's late write, is never lost under it. {@link #sweep} deletes the
 * keys whose every entry has expired and rewrites those with some expired entries, each only if no call wrote the
 * key meanwhile.
 */
public final class PostgresKeyedStore implements ExternalStore {

    private static final String CREATE = """
            CREATE TABLE IF NOT EXISTS eddy_state (
              function text NOT NULL,
              key text NOT NULL,
              version bigint NOT NULL,
              state bytea NOT NULL,
              next_expiry bigint NOT NULL,
              last_expiry bigint NOT NULL,
              PRIMARY KEY (function, key))""";
    /**
     * A table made before versions were kept: its rows count as written once, and its one-fence columns go (the
     * fences are in the state).
     */
    private static final String UPGRADE = """
            ALTER TABLE eddy_state ADD COLUMN IF NOT EXISTS version bigint NOT NULL DEFAULT 1,
              DROP COLUMN IF EXISTS fence_source, DROP COLUMN IF EXISTS fence_offset""";
    private static final String INDEX =
            "CREATE INDEX IF NOT EXISTS eddy_state_expiry ON eddy_state (function, next_expiry)";
    private static final String READ = "SELECT state, version FROM eddy_state WHERE function = ? AND key = ?";
    private static final String INSERT = """
            INSERT INTO eddy_state (function, key, version, state, next_expiry, last_expiry)
            VALUES (?, ?, 1, ?, ?, ?) ON CONFLICT (function, key) DO NOTHING""";
    private static final String UPDATE = "UPDATE eddy_state SET version = version + 1, state = ?, next_expiry = ?,"
            + " last_expiry = ? WHERE function = ? AND key = ? AND version = ?";
    private static final String DELETE = "DELETE FROM eddy_state WHERE function = ? AND key = ? AND version = ?";
    private static final String DELETE_EXPIRED = "DELETE FROM eddy_state WHERE function = ? AND last_expiry <= ?";
    private static final String PARTLY_EXPIRED = "SELECT key, state, version FROM eddy_state WHERE function = ?"
            + " AND next_expiry <= ? LIMIT 1000";
    private static final String KEYS = "SELECT key FROM eddy_state WHERE function = ? AND key > ? ORDER BY key"
            + " LIMIT ?";

    private final String function;
    private final String url;
    private final HikariDataSource pool;
    private final StateMetrics metrics;
    private final KeyLocks keyLocks = new KeyLocks();

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
            statement.execute(UPGRADE);
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
                return row.next() ? Optional.of(KeyState.decode(row.getBytes(1)).atVersion(row.getLong(2)))
                        : Optional.empty();
            }
        } catch (SQLException e) {
            throw failure("cannot read the state of key '" + key + "'", e);
        }
    }

    @Override
    public CompletableFuture<Void> save(TopicPartition source, String key, byte[] recordKey, KeyState state,
            CompletableFuture<Void> emitted) {
        boolean written;
        try (Connection connection = pool.getConnection()) {
            written = write(connection, key, state);
        } catch (SQLException e) {
            throw failure("cannot write the state of key '" + key + "'", e);
        }
        if (!written) {
            throw new StateConflictException(function, key, state.version());
        }
        return WRITTEN;
    }

    /** Writes the state if the key is still at the version it was read at; answers whether it was. */
    private boolean write(Connection connection, String key, KeyState state) throws SQLException {
        if (state.version() == 0) {
            if (state.isEmpty()) {
                return true; // a key that was never written, and is still empty
            }
            try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
                insert.setString(1, function);
                insert.setString(2, key);
                insert.setBytes(3, state.encode());
                insert.setLong(4, state.nextExpiry());
                insert.setLong(5, state.lastExpiry());
                return insert.executeUpdate() == 1;
            }
        }
        if (state.isEmpty()) {
            try (PreparedStatement delete = connection.prepareStatement(DELETE)) {
                delete.setString(1, function);
                delete.setString(2, key);
                delete.setLong(3, state.version());
                return delete.executeUpdate() == 1;
            }
        }
        try (PreparedStatement update = connection.prepareStatement(UPDATE)) {
            update.setBytes(1, state.encode());
            update.setLong(2, state.nextExpiry());
            update.setLong(3, state.lastExpiry());
            update.setString(4, function);
            update.setString(5, key);
            update.setLong(6, state.version());
            return update.executeUpdate() == 1;
        }
    }

    @Override
    public KeyLocks keyLocks() {
        return keyLocks;
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
                        partly.put(rows.getString(1), KeyState.decode(rows.getBytes(2)).atVersion(rows.getLong(3)));
                    }
                }
            }
            for (Map.Entry<String, KeyState> row : partly.entrySet()) {
                KeyState left = row.getValue();
                left.dropExpired(nowMillis);
                if (write(connection, row.getKey(), left)) { // not when a call wrote it meanwhile
                    changed++;
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
