package dev.eddy.adapters.cdc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which of the adapters configured with one replication slot captures: the one holding a PostgreSQL advisory lock
 * named after the slot, on a connection of its own; the others stand by and try again every second. PostgreSQL lets
 * go of the lock when the holder's connection ends — its process stopped, was killed, or lost the database — so a
 * standby takes over within about a second, once the slot itself is free (the former holder's WAL sender gone), and
 * Debezium goes on from the offsets the former holder committed to Kafka and from the slot's confirmed position.
 *
 * <p>While it captures, the holder checks its lock's connection every few seconds: lost, the adapter stops (exit
 * status 1, to be restarted), since a standby may hold the lock by then.
 */
final class SlotTurn implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SlotTurn.class);

    static final Duration POLL = Duration.ofSeconds(1);
    private static final Duration CHECK = Duration.ofSeconds(5);
    private static final String TRY_LOCK = "SELECT pg_try_advisory_lock(hashtext('eddy.cdc.slot.' || ?))";
    private static final String SLOT_HOLDER = "SELECT active_pid, (SELECT client_addr::text FROM pg_stat_activity a"
            + " WHERE a.pid = s.active_pid) FROM pg_replication_slots s WHERE slot_name = ? AND active";

    private final String url;
    private final Properties props;
    private final String slot;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final CompletableFuture<String> lost = new CompletableFuture<>();
    private volatile Connection connection;

    SlotTurn(String url, Properties props, String slot) {
        this.url = url;
        this.props = props;
        this.slot = slot;
    }

    /**
     * Waits until this adapter holds the slot's lock and the slot is free.
     *
     * @return false when closed first
     */
    boolean await() throws InterruptedException {
        boolean announced = false;
        boolean locked = false;
        while (closed.getCount() > 0) {
            try {
                if (connection == null) {
                    connection = DriverManager.getConnection(url, props);
                }
                locked = locked || tryLock();
                String holder = holder();
                if (locked && holder == null) {
                    Thread.ofVirtual().name("eddy-cdc-slot-check").start(this::check);
                    return true;
                }
                if (!announced) {
                    log.info(locked ? "Taking over replication slot '{}' once its former holder's connection ends"
                            + " ({})" : "Standing by: another adapter captures through replication slot '{}' ({});"
                            + " taking over when it stops", slot, holder == null ? "its lock held" : holder);
                    announced = true;
                }
            } catch (SQLException e) {
                log.warn("Standing by for replication slot '{}': {}", slot, e.getMessage());
                release();
                locked = false;
            }
            if (closed.await(POLL.toMillis(), TimeUnit.MILLISECONDS)) {
                break;
            }
        }
        return false;
    }

    /** Completes, with what happened, when the lock's connection is lost while capturing. */
    CompletableFuture<String> lost() {
        return lost;
    }

    private boolean tryLock() throws SQLException {
        try (PreparedStatement lock = connection.prepareStatement(TRY_LOCK)) {
            lock.setString(1, slot);
            try (ResultSet result = lock.executeQuery()) {
                return result.next() && result.getBoolean(1);
            }
        }
    }

    /** Who has the slot open now, or null when no one does. */
    private String holder() throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(SLOT_HOLDER)) {
            query.setString(1, slot);
            try (ResultSet result = query.executeQuery()) {
                return result.next() ? "WAL sender pid " + result.getInt(1) + " for " + result.getString(2) : null;
            }
        }
    }

    private void check() {
        try {
            while (!closed.await(CHECK.toMillis(), TimeUnit.MILLISECONDS)) {
                Connection held = connection;
                if (held == null || !held.isValid((int) CHECK.toSeconds())) {
                    if (closed.getCount() == 0) {
                        return;
                    }
                    lost.complete("the connection holding replication slot '" + slot + "''s lock was lost; another"
                            + " adapter may capture now");
                    return;
                }
            }
        } catch (SQLException e) {
            if (closed.getCount() == 0) {
                return;
            }
            lost.complete("the connection holding replication slot '" + slot + "''s lock failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized void release() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                // going anyway
            }
            connection = null;
        }
    }

    /** Stops standing by, and lets go of the lock (after the capture stopped, so that no two capture at once). */
    @Override
    public void close() {
        closed.countDown();
        release();
    }
}
