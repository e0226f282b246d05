package dev.eddy.engine.state;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Connection;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * Keyed state in Redis: a hash per key, {@code eddy:state:{<function>}:<key>}, holding the state and its fences
 * ({@code st}) and the key's count of writes ({@code ver}), and a sorted set {@code eddy:state:{<function>}:expiry}
 * of the keys by when their first entry expires. Every write is one Lua script that applies only when the key's
 * version is still the one its state was read at — a record of the same key from another partition, or a former
 * owner's late write, is never lost under it — and a key whose every entry has expired is deleted by Redis itself
 * ({@code PEXPIREAT}); entries that expire before the rest of their key are removed by {@link #sweep}. (The braces
 * keep a function's keys in one Redis Cluster slot.)
 *
 * <p>Calls' reads and writes go to Redis together: what calls ask while a pipeline is in flight goes in the next
 * one ({@link Batcher}), its writes in one call of the script. Each keeps its own answer, so a write refused for a
 * stale version is refused for its call alone. At-least-once, a call's write is held back until its emits are
 * acknowledged ({@link WriteBehind}); the next call of the key on this engine reads it from the cache meanwhile, and
 * another engine once it is written.
 */
public final class RedisKeyedStore implements ExternalStore {

    /**
     * Writes a batch's states, each applied only when its key is still at the version its state was read at.
     * KEYS: the expiry set, then each write's state hash. ARGV, five per write: the version the state was read at,
     * the state (empty to delete), first expiry, last expiry ("never" for none), the key. Answers, per write, 1 when
     * written and 0 when the version moved on. Writes run in order: a second write of a key in one batch sees the
     * first. A key that does not exist is at version 0, and every write leaves it at 1 or more, so that a key
     * deleted meanwhile is not written again from what was read before. (A key written before versions were kept
     * has none: it counts as 1, and loses the fields of that older format.) One script per batch, called by its
     * SHA: Redis runs it once for the batch's writes rather than once each.
     */
    private static final String WRITE = """
            local expiry = KEYS[1]
            local applied = {}
            for i = 2, #KEYS do
              local hash = KEYS[i]
              local a = (i - 2) * 5
              local member = ARGV[a + 5]
              local ver = redis.call('HGET', hash, 'ver')
              local legacy = false
              if ver then ver = tonumber(ver)
              elseif redis.call('EXISTS', hash) == 1 then ver = 1; legacy = true
              else ver = 0 end
              if ver ~= tonumber(ARGV[a + 1]) then
                if ver == 0 then redis.call('ZREM', expiry, member) end
                applied[i - 1] = 0
              elseif ARGV[a + 2] == '' then
                redis.call('DEL', hash)
                redis.call('ZREM', expiry, member)
                applied[i - 1] = 1
              else
                redis.call('HSET', hash, 'ver', ver + 1, 'st', ARGV[a + 2])
                if legacy then redis.call('HDEL', hash, 'src', 'off') end
                if ARGV[a + 3] == 'never' then redis.call('ZREM', expiry, member)
                else redis.call('ZADD', expiry, ARGV[a + 3], member) end
                if ARGV[a + 4] == 'never' then redis.call('PERSIST', hash)
                else redis.call('PEXPIREAT', hash, ARGV[a + 4]) end
                applied[i - 1] = 1
              end
            end
            return applied
            """;
    /** The SHA-1 of {@link #WRITE}, by which Redis knows it once loaded. */
    private static final byte[] WRITE_SHA = bytes(sha1(WRITE));
    private static final byte[] STATE = bytes("st");
    private static final byte[] VERSION = bytes("ver");
    /** The version of a key written before versions were kept (see {@link #WRITE}). */
    private static final long LEGACY_VERSION = 1;
    private static final int SWEEP_BATCH = 1000;

    private final String function;
    private final String url;
    private final RedisClient redis;
    private final String prefix;
    private final byte[] expiryKey;
    private final StateMetrics metrics;
    /** The calls' held-back writes, with this engine's cache of the keys and their locks. */
    private final WriteBehind writeBehind;
    /** The calls' reads and writes, sent together; each sender holds one connection. */
    private final Batcher<Command, Object> batcher;

    /**
     * @param url         {@code redis://[user:password@]host:port[/database]}
     * @param connections bounds the pipelines in flight at once (at most 4, each on its own connection)
     */
    public RedisKeyedStore(String function, String url, int connections, StateMetrics metrics) {
        this.function = function;
        this.url = url;
        this.metrics = metrics;
        this.prefix = "eddy:state:{" + function + "}:";
        this.expiryKey = bytes("eddy:state:{" + function + "}:expiry");
        int senders = Batcher.senders(connections);
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        // Two more than the senders: the poll loop's sweep and a query borrow one each besides.
        pool.setMaxTotal(senders + 2);
        pool.setMaxIdle(senders + 2);
        pool.setMinIdle(1);
        this.redis = RedisClient.builder().fromURI(URI.create(url)).poolConfig(pool).build();
        this.batcher = new Batcher<>(function, "eddy-redis-" + function, senders, Batcher.MAX_BATCH, this::send);
        this.writeBehind = new WriteBehind(function, this::write);
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
        Object answer = batched(new Read(bytes(prefix + key)), "cannot read the state of key '" + key + "'");
        @SuppressWarnings("unchecked")
        List<byte[]> stored = (List<byte[]>) answer;
        if (stored.get(0) == null) {
            return Optional.empty();
        }
        long version = stored.get(1) == null ? LEGACY_VERSION
                : Long.parseLong(new String(stored.get(1), StandardCharsets.US_ASCII));
        return Optional.of(KeyState.decode(stored.get(0)).atVersion(version));
    }

    @Override
    public boolean write(String key, KeyState state) {
        boolean empty = state.isEmpty();
        List<byte[]> args = List.of(bytes(Long.toString(state.version())), empty ? new byte[0] : state.encode(),
                bytes(expiry(state.nextExpiry())), bytes(expiry(state.lastExpiry())), bytes(key));
        Object applied = batched(new Write(bytes(prefix + key), args),
                "cannot write the state of key '" + key + "'");
        return Long.valueOf(1).equals(applied);
    }

    /** A call's read or write, sent with the others' in one pipeline; a call interrupted meanwhile fails. */
    private Object batched(Command command, String what) {
        try {
            return batcher.answer(command, what);
        } catch (JedisException e) {
            throw failure(what, e);
        }
    }

    /**
     * Sends a batch of reads and writes in one pipeline, the writes in one script call; each answers for itself.
     */
    private List<Object> send(List<Command> batch) {
        List<Response<?>> reads = new ArrayList<>(batch.size());
        List<byte[]> keys = new ArrayList<>();
        List<byte[]> args = new ArrayList<>();
        keys.add(expiryKey);
        Response<Object> written;
        try (AbstractPipeline pipeline = redis.pipelined()) {
            for (Command command : batch) {
                switch (command) {
                    case Read read -> reads.add(pipeline.hmget(read.hash(), STATE, VERSION));
                    case Write write -> {
                        keys.add(write.hash());
                        args.addAll(write.args());
                    }
                }
            }
            written = keys.size() > 1 ? pipeline.evalsha(WRITE_SHA, keys, args) : null;
            pipeline.sync();
        }
        Object applied;
        try {
            applied = written == null ? List.of() : writeAnswer(written, keys, args);
        } catch (JedisException e) {
            applied = e;
        }
        List<Object> answers = new ArrayList<>(batch.size());
        int read = 0;
        int write = 0;
        for (Command command : batch) {
            if (command instanceof Read) {
                try {
                    answers.add(reads.get(read++).get());
                } catch (JedisException e) {
                    answers.add(e);
                }
            } else {
                answers.add(applied instanceof JedisException e ? e : ((List<?>) applied).get(write++));
            }
        }
        return answers;
    }

    /** The script's answer, loading it first when Redis does not know it (a new or restarted server). */
    private Object writeAnswer(Response<Object> written, List<byte[]> keys, List<byte[]> args) {
        try {
            return written.get();
        } catch (JedisDataException e) {
            if (e.getMessage() == null || !e.getMessage().startsWith("NOSCRIPT")) {
                throw e;
            }
            redis.scriptLoad(WRITE.getBytes(StandardCharsets.UTF_8), expiryKey);
            return redis.evalsha(WRITE_SHA, keys, args);
        }
    }

    /** What a call asks of Redis. */
    private sealed interface Command permits Read, Write {
    }

    private record Read(byte[] hash) implements Command {
    }

    private record Write(byte[] hash, List<byte[]> args) implements Command {
    }

    private static String expiry(long millis) {
        return millis == Long.MAX_VALUE ? "never" : Long.toString(millis);
    }

    @Override
    public WriteBehind writeBehind() {
        return writeBehind;
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
            if (left.dropExpired(nowMillis) && write(key, left)) { // not when a call wrote it meanwhile
                changed++;
            }
            cache().drop(key);
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

    private static String sha1(String script) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-1")
                    .digest(script.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-1", e);
        }
    }

    private static byte[] bytes(String text) {
        return text == null ? new byte[0] : text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        batcher.close();
        redis.close();
    }
}
