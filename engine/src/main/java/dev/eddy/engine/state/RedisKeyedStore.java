package dev.eddy.engine.state;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * Keyed state in Redis: a hash per key, {@code eddy:state:{<function>}:<key>}, holding the state ({@code st}) and
 * its fence ({@code src}, {@code off}), and a sorted set {@code eddy:state:{<function>}:expiry} of the keys by when
 * their first entry expires. Every write is one Lua script, so that it applies only when the key's fence is older
 * than the record's — a record delivered again after a crash is not applied twice — and a key whose every entry has
 * expired is deleted by Redis itself ({@code PEXPIREAT}); entries that expire before the rest of their key are
 * removed by {@link #sweep}. (The braces keep a function's keys in one Redis Cluster slot.)
 */
public final class RedisKeyedStore implements ExternalStore {

    /**
     * KEYS: the state hash, the expiry set. ARGV: fence source, fence offset, state (empty to delete), first expiry,
     * last expiry ("never" for none), the key, and the mode: "save" applies if the stored fence is older, "sweep" if
     * it is the same.
     */
    private static final byte[] WRITE = """
            local src = redis.call('HGET', KEYS[1], 'src')
            local off = redis.call('HGET', KEYS[1], 'off')
            if ARGV[7] == 'save' then
              if src == ARGV[1] and tonumber(off) >= tonumber(ARGV[2]) then return 0 end
            elseif src ~= ARGV[1] or off ~= ARGV[2] then
              if not src then redis.call('ZREM', KEYS[2], ARGV[6]) end
              return 0
            end
            if ARGV[3] == '' then
              redis.call('DEL', KEYS[1])
              redis.call('ZREM', KEYS[2], ARGV[6])
              return 1
            end
            redis.call('HSET', KEYS[1], 'src', ARGV[1], 'off', ARGV[2], 'st', ARGV[3])
            if ARGV[4] == 'never' then redis.call('ZREM', KEYS[2], ARGV[6])
            else redis.call('ZADD', KEYS[2], ARGV[4], ARGV[6]) end
            if ARGV[5] == 'never' then redis.call('PERSIST', KEYS[1])
            else redis.call('PEXPIREAT', KEYS[1], ARGV[5]) end
            return 1
            """.getBytes(StandardCharsets.UTF_8);
    private static final byte[] STATE = bytes("st");
    private static final int SWEEP_BATCH = 1000;

    private final String function;
    private final String url;
    private final RedisClient redis;
    private final String prefix;
    private final byte[] expiryKey;
    private final StateMetrics metrics;
    /**
     * The calls that may use a connection at once: as many as the pool holds, so that no call waits inside the
     * pool (whose wait for a connection being made spins on a virtual thread's carrier).
     */
    private final java.util.concurrent.Semaphore permits;

    /**
     * @param url         {@code redis://[user:password@]host:port[/database]}
     * @param connections the most connections to hold: one per call waiting on Redis at once
     */
    public RedisKeyedStore(String function, String url, int connections, StateMetrics metrics) {
        this.function = function;
        this.url = url;
        this.metrics = metrics;
        this.prefix = "eddy:state:{" + function + "}:";
        this.expiryKey = bytes("eddy:state:{" + function + "}:expiry");
        this.permits = new java.util.concurrent.Semaphore(connections, true);
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        // Two more than the calls: the poll loop's sweep and a query borrow one each besides.
        pool.setMaxTotal(connections + 2);
        pool.setMaxIdle(connections + 2);
        pool.setMinIdle(1);
        this.redis = RedisClient.builder().fromURI(URI.create(url)).poolConfig(pool).build();
    }

    /**
     * Checks that Redis answers, so that a function with a wrong URL fails when deployed rather than at its first
     * record.
     *
     * @throws StateStoreException saying what failed
     */
    public RedisKeyedStore check() {
        try {
            redis.ping();
            return this;
        } catch (JedisException e) {
            close();
            throw failure("cannot reach Redis", e);
        }
    }

    @Override
    public Optional<KeyState> read(String key) {
        byte[] stored;
        acquire(key);
        try {
            stored = redis.hget(bytes(prefix + key), STATE);
        } catch (JedisException e) {
            throw failure("cannot read the state of key '" + key + "'", e);
        } finally {
            permits.release();
        }
        return stored == null ? Optional.empty() : Optional.of(KeyState.decode(stored));
    }

    @Override
    public CompletableFuture<Void> save(TopicPartition source, String key, byte[] recordKey, KeyState state,
            CompletableFuture<Void> emitted) {
        write(key, state, "save");
        return WRITTEN;
    }

    private boolean write(String key, KeyState state, String mode) {
        boolean empty = state.isEmpty();
        List<byte[]> args = List.of(bytes(state.fenceSource()), bytes(Long.toString(state.fenceOffset())),
                empty ? new byte[0] : state.encode(), bytes(expiry(state.nextExpiry())),
                bytes(expiry(state.lastExpiry())), bytes(key), bytes(mode));
        acquire(key);
        try {
            Object applied = redis.eval(WRITE, List.of(bytes(prefix + key), expiryKey), args);
            return Long.valueOf(1).equals(applied);
        } catch (JedisException e) {
            throw failure("cannot write the state of key '" + key + "'", e);
        } finally {
            permits.release();
        }
    }

    /** Waits for a connection to be free; a call interrupted meanwhile (past its timeout) fails. */
    private void acquire(String key) {
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateStoreException("Function '" + function + "' was interrupted waiting for a Redis"
                    + " connection for key '" + key + "'", e);
        }
    }

    private static String expiry(long millis) {
        return millis == Long.MAX_VALUE ? "never" : Long.toString(millis);
    }

    @Override
    public int sweep(long nowMillis) {
        List<byte[]> due = redis.zrangeByScore(expiryKey, Double.NEGATIVE_INFINITY, nowMillis, 0, SWEEP_BATCH);
        int changed = 0;
        for (byte[] member : due) {
            String key = new String(member, StandardCharsets.UTF_8);
            Optional<KeyState> stored = read(key);
            if (stored.isEmpty()) {
                redis.zrem(expiryKey, member); // Redis expired the whole key itself: counted as swept
                changed++;
                continue;
            }
            KeyState left = stored.get();
            if (left.dropExpired(nowMillis) && write(key, left, "sweep")) {
                changed++;
            }
        }
        metrics.expired.increment(changed);
        return changed;
    }

    @Override
    public Page keys(String cursor, int limit) {
        ScanParams params = new ScanParams().match(prefix + "*").count(Math.max(limit, 10));
        List<String> keys = new ArrayList<>();
        String next = cursor == null ? ScanParams.SCAN_POINTER_START : cursor;
        // SCAN may return fewer than asked, or none, before its end: go on until the page has something or it ends.
        do {
            ScanResult<String> page = redis.scan(next, params);
            for (String name : page.getResult()) {
                if (!name.equals(prefix + "expiry")) {
                    keys.add(name.substring(prefix.length()));
                }
            }
            next = page.getCursor();
        } while (keys.isEmpty() && !ScanParams.SCAN_POINTER_START.equals(next));
        return new Page(keys, ScanParams.SCAN_POINTER_START.equals(next) ? null : next);
    }

    @Override
    public long deleteAll() {
        long deleted = 0;
        String cursor = null;
        do {
            Page page = keys(cursor, 1000);
            for (String key : page.keys()) {
                deleted += redis.del(bytes(prefix + key));
            }
            cursor = page.next();
        } while (cursor != null);
        redis.del(expiryKey);
        return deleted;
    }

    private StateStoreException failure(String what, JedisException e) {
        return new StateStoreException("Function '" + function + "' " + what + " in Redis at "
                + dev.eddy.engine.StateBackend.Urls.withoutPassword(url) + ": " + e.getMessage(), e);
    }

    private static byte[] bytes(String text) {
        return text == null ? new byte[0] : text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        redis.close();
    }
}
