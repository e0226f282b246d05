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
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Keyed state in PostgreSQL: one row per function and key in the table {@code eddy_state} (created when missing),
 * holding the state with its fences and the key's count of writes ({@code version}). A write applies only when the
 * row's version is still the one its state was read at, so that a record of the same key from another partition,
 * or a former owner's late write, is never lost under it. {@link #sweep} deletes the keys whose every entry has
 * expired and rewrites those with some expired entries, each only if no call wrote the key meanwhile.
 *
 * <p>Calls' reads and writes go to PostgreSQL together ({@link Batcher}): the reads of calls waiting at once in one
 * {@code SELECT … key = ANY(?)}, their writes in one statement per kind — an {@code INSERT … ON CONFLICT DO NOTHING}
 * for new keys, an {@code UPDATE} for changed ones, a {@code DELETE} for keys left empty — each over arrays of
 * keys, versions and states, each {@code RETURNING} the keys it wrote. A write whose key does not come back was
 * refused for its call alone. At-least-once, a call's write is held back until its emits are acknowledged
 * ({@link WriteBehind}); the next call of the key on this engine reads it from the cache meanwhile, and another
 * engine once it is committed.
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
    private static final String INSERT = """
            INSERT INTO eddy_state (function, key, version, state, next_expiry, last_expiry)
            VALUES (?, ?, 1, ?, ?, ?) ON CONFLICT (function, key) DO NOTHING""";
    private static final String UPDATE = "UPDATE eddy_state SET version = version + 1, state = ?, next_expiry = ?,"
            + " last_expiry = ? WHERE function = ? AND key = ? AND version = ?";
    private static final String DELETE = "DELETE FROM eddy_state WHERE function = ? AND key = ? AND version = ?";
    /** Many calls' reads, in one statement: parameters the function and the keys. */
    private static final String READ_MANY = "SELECT key, state, version FROM eddy_state WHERE function = ?"
            + " AND key = ANY(?)";
    /** Many calls' writes of new keys: the keys written come back; a key another wrote first does not. */
    private static final String INSERT_MANY = """
            INSERT INTO eddy_state (function, key, version, state, next_expiry, last_expiry)
            SELECT ?, u.key, 1, u.state, u.next_expiry, u.last_expiry
            FROM unnest(?::text[], ?::bytea[], ?::bigint[], ?::bigint[]) AS u(key, state, next_expiry, last_expiry)
            ON CONFLICT (function, key) DO NOTHING RETURNING key""";
    /** Many calls' writes of keys that exist, each at the version it was read at; the keys written come back. */
    private static final String UPDATE_MANY = """
            UPDATE eddy_state AS s SET version = s.version + 1, state = u.state, next_expiry = u.next_expiry,
              last_expiry = u.last_expiry
            FROM unnest(?::text[], ?::bigint[], ?::bytea[], ?::bigint[], ?::bigint[])
              AS u(key, version, state, next_expiry, last_expiry)
            WHERE s.function = ? AND s.key = u.key AND s.version = u.version RETURNING s.key""";
    /** Many calls' deletes of keys left empty, each at the version it was read at; the keys deleted come back. */
    private static final String DELETE_MANY = """
            DELETE FROM eddy_state AS s USING unnest(?::text[], ?::bigint[]) AS u(key, version)
            WHERE s.function = ? AND s.key = u.key AND s.version = u.version RETURNING s.key""";
    /** PostgreSQL's SQLSTATE for a statement rolled back to break a deadlock. */
    private static final String DEADLOCK = "40P01";
    private static final int MAX_DEADLOCK_TRIES = 5;
    private static final String DELETE_EXPIRED = "DELETE FROM eddy_state WHERE function = ? AND last_expiry <= ?";
    private static final String PARTLY_EXPIRED = "SELECT key, state, version FROM eddy_state WHERE function = ?"
            + " AND next_expiry <= ? LIMIT 1000";
    private static final String KEYS = "SELECT key FROM eddy_state WHERE function = ? AND key > ? ORDER BY key"
            + " LIMIT ?";

    private final String function;
    private final String url;
    private final HikariDataSource pool;
    private final StateMetrics metrics;
    /** The calls' held-back writes, with this engine's cache of the keys and their locks. */
    private final WriteBehind writeBehind;
    /** The calls' reads and writes, sent together; each sender holds one connection. */
    private final Batcher<Command, Object> batcher;

    /**
     * @param url         a JDBC URL, {@code jdbc:postgresql://host:port/database[?user=...&password=...]}
     * @param connections bounds the batches in flight at once (at most 4, each on its own connection)
     * @throws StateStoreException when the database cannot be reached or the table cannot be created
     */
    public PostgresKeyedStore(String function, String url, int connections, StateMetrics metrics) {
        this.function = function;
        this.url = url;
        this.metrics = metrics;
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setPoolName("eddy-state-" + function);
        int senders = Batcher.senders(connections);
        // Two more than the senders: the poll loop's sweep and a query use one each besides.
        config.setMaximumPoolSize(senders + 2);
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
        this.batcher = new Batcher<>(function, "eddy-postgres-" + function, senders, Batcher.MAX_BATCH,
                this::send);
        this.writeBehind = new WriteBehind(function, this::write);
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
        @SuppressWarnings("unchecked")
        Optional<KeyState> stored = (Optional<KeyState>) batcher.answer(new Read(key),
                "cannot read the state of key '" + key + "'");
        return stored;
    }

    @Override
    public boolean write(String key, KeyState state) {
        if (state.version() == 0 && state.isEmpty()) {
            return true; // a key that was never written, and is still empty
        }
        Object written = batcher.answer(new Write(key, state), "cannot write the state of key '" + key + "'");
        return Boolean.TRUE.equals(written);
    }

    /**
     * Sends a batch of reads and writes: one statement for the reads, and one for each kind of write (new keys,
     * changed keys, keys left empty). Each write answers whether it applied.
     */
    private List<Object> send(List<Command> batch) {
        Object[] answers = new Object[batch.size()];
        try (Connection connection = pool.getConnection()) {
            readAll(connection, batch, answers);
            writeAll(connection, batch, answers);
        } catch (SQLException e) {
            throw failure("cannot read or write state", e);
        }
        return Arrays.asList(answers);
    }

    private void readAll(Connection connection, List<Command> batch, Object[] answers) throws SQLException {
        Map<String, Optional<KeyState>> found = new HashMap<>();
        for (Command command : batch) {
            if (command instanceof Read read) {
                found.put(read.key(), Optional.empty());
            }
        }
        if (found.isEmpty()) {
            return;
        }
        try (PreparedStatement select = connection.prepareStatement(READ_MANY)) {
            select.setString(1, function);
            select.setArray(2, connection.createArrayOf("text", found.keySet().toArray()));
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    found.put(rows.getString(1), Optional.of(KeyState.decode(rows.getBytes(2))
                            .atVersion(rows.getLong(3))));
                }
            }
        }
        for (int i = 0; i < batch.size(); i++) {
            if (batch.get(i) instanceof Read read) {
                answers[i] = found.get(read.key());
            }
        }
    }

    private void writeAll(Connection connection, List<Command> batch, Object[] answers) throws SQLException {
        List<Write> inserts = new ArrayList<>();
        List<Write> updates = new ArrayList<>();
        List<Write> deletes = new ArrayList<>();
        // One write of a key per batch: a statement that met a key twice would answer both by its one row. A later
        // write of a key (a call that timed out left its write behind) is refused, and its call made again.
        Map<String, Write> sent = new HashMap<>();
        for (Command command : batch) {
            if (command instanceof Write write && sent.putIfAbsent(write.key(), write) == null) {
                (write.state().version() == 0 ? inserts : write.state().isEmpty() ? deletes : updates).add(write);
            }
        }
        Comparator<Write> byKey = Comparator.comparing(Write::key);
        inserts.sort(byKey);
        updates.sort(byKey);
        deletes.sort(byKey);
        Set<String> written = new HashSet<>();
        if (!inserts.isEmpty()) {
            try (PreparedStatement insert = connection.prepareStatement(INSERT_MANY)) {
                insert.setString(1, function);
                insert.setArray(2, connection.createArrayOf("text", keys(inserts)));
                insert.setArray(3, connection.createArrayOf("bytea", states(inserts)));
                insert.setArray(4, connection.createArrayOf("bigint", expiries(inserts, true)));
                insert.setArray(5, connection.createArrayOf("bigint", expiries(inserts, false)));
                collectKeys(insert, written);
            }
        }
        if (!updates.isEmpty()) {
            try (PreparedStatement update = connection.prepareStatement(UPDATE_MANY)) {
                update.setArray(1, connection.createArrayOf("text", keys(updates)));
                update.setArray(2, connection.createArrayOf("bigint", versions(updates)));
                update.setArray(3, connection.createArrayOf("bytea", states(updates)));
                update.setArray(4, connection.createArrayOf("bigint", expiries(updates, true)));
                update.setArray(5, connection.createArrayOf("bigint", expiries(updates, false)));
                update.setString(6, function);
                collectKeys(update, written);
            }
        }
        if (!deletes.isEmpty()) {
            try (PreparedStatement delete = connection.prepareStatement(DELETE_MANY)) {
                delete.setArray(1, connection.createArrayOf("text", keys(deletes)));
                delete.setArray(2, connection.createArrayOf("bigint", versions(deletes)));
                delete.setString(3, function);
                collectKeys(delete, written);
            }
        }
        for (int i = 0; i < batch.size(); i++) {
            if (batch.get(i) instanceof Write write) {
                answers[i] = sent.get(write.key()) == write && written.contains(write.key());
            }
        }
    }

    /**
     * Runs a statement of many keys and adds those it wrote. Two engines' statements over the same keys lock them in
     * key order (each batch is sorted), and one that PostgreSQL still chose as a deadlock's victim (its plan visited
     * the rows otherwise) was rolled back whole: it is run again, a few times.
     */
    private static void collectKeys(PreparedStatement statement, Set<String> into) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    into.add(rows.getString(1));
                }
                return;
            } catch (SQLException e) {
                if (attempt == MAX_DEADLOCK_TRIES || !DEADLOCK.equals(e.getSQLState())) {
                    throw e;
                }
            }
        }
    }

    private static Object[] keys(List<Write> writes) {
        return writes.stream().map(Write::key).toArray();
    }

    private static Object[] states(List<Write> writes) {
        return writes.stream().map(write -> write.state().encode()).toArray(byte[][]::new);
    }

    private static Object[] versions(List<Write> writes) {
        return writes.stream().map(write -> write.state().version()).toArray();
    }

    private static Object[] expiries(List<Write> writes, boolean next) {
        return writes.stream().map(write -> next ? write.state().nextExpiry() : write.state().lastExpiry()).toArray();
    }

    /** What a call asks of PostgreSQL. */
    private sealed interface Command permits Read, Write {
    }

    private record Read(String key) implements Command {
    }

    private record Write(String key, KeyState state) implements Command {
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
    public WriteBehind writeBehind() {
        return writeBehind;
    }

    @Override
    public int sweep(long nowMillis) {
        int changed = 0;
        try (Connection connection = pool.getConnection()) {
            try (PreparedStatement delete = connection.prepareStatement(DELETE_EXPIRED)) {
                delete.setString(1, function);
                delete.setLong(2, nowMillis);
                int deleted = delete.executeUpdate();
                if (deleted > 0) {
                    cache().clear(); // which keys went is not known here
                }
                changed += deleted;
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
                cache().drop(row.getKey());
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
        if (batcher != null) {
            batcher.close();
        }
        pool.close();
    }
}
