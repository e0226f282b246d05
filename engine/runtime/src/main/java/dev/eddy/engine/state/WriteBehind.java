package dev.eddy.engine.state;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An external store's at-least-once writes, held back until the call's outputs are acknowledged without holding up
 * the key: the call returns at once, its state is what the key's next call on this engine reads ({@link StateCache}),
 * and the writes of one key go to the store one after the other, each once its call's emits are answered — so that a
 * state is never durable before the outputs that came with it.
 *
 * <p>A write is based on the one before it. When one is refused (another engine, or an outside writer, changed the
 * key meanwhile) the writes after it are based on a state that never was, and none of them is sent: the key is
 * taken ({@link KeyLocks}), so that no new call of it starts, and each of their calls is made again, in their
 * order, on what the store holds, and written before the next ({@link KeyedStore.Remake}); then the key is read from
 * the store from now on (a contended key: {@link StateCache#refused}). Until a call's write, or its remake, is
 * done, its record is not complete: its offset is not committed. A write whose call's emits failed is dropped (the
 * record is dead-lettered, or the function stops) and the calls after it are made again. A write that fails (the
 * store cannot be reached) is tried again a few times before its call, and those after it, are made again.
 *
 * <p>It keeps the store's {@link StateCache} and {@link KeyLocks}, which its writes and the store's calls share.
 *
 * <p>Threading: {@link #save} on the calls' threads; the writes on virtual threads of their own, one key's at a
 * time. A key's chain of writes changes only inside {@link ConcurrentHashMap#compute} on its entry.
 */
final class WriteBehind {

    private static final Logger log = LoggerFactory.getLogger(WriteBehind.class);

    /** Tries of a write that failed (the store unreachable) before its call is made again. */
    static final int MAX_TRIES = 4;
    private static final long FIRST_BACKOFF_MILLIS = 100;
    private static final CompletableFuture<Void> NOTHING_EMITTED = CompletableFuture.completedFuture(null);

    /** How a store writes a key now, if it is still at the version its state was read at. */
    @FunctionalInterface
    interface Writer {
        /**
         * @return whether it was written
         * @throws StateStoreException when the store cannot be reached
         */
        boolean write(String key, KeyState state);
    }

    private final String function;
    private final StateCache cache;
    private final KeyLocks keyLocks;
    private final Writer writer;
    private final Backoff backoff;
    private final ConcurrentHashMap<String, Chain> chains = new ConcurrentHashMap<>();
    /** A write's thread, started when its emits are answered: it waits for the store. */
    private final ThreadFactory threads;

    /** A key's writes not yet done, oldest first: the first is being written, or waits for its emits. */
    private static final class Chain {
        final ArrayDeque<Pending> pending = new ArrayDeque<>();
        /** A write was refused: what the calls after it wrote is not to be sent. */
        boolean remaking;
        /** The thread that makes the calls again, once it holds the key. */
        Thread remaker;
    }

    private record Pending(KeyState state, CompletableFuture<Void> emitted, KeyedStore.Remake remake,
            CompletableFuture<Void> written) {
    }

    /** How a write that failed waits before it is tried again. */
    @FunctionalInterface
    interface Backoff {
        void pause(long millis) throws InterruptedException;
    }

    /** @param writer writes a key now (the store's own write, called on the writes' threads) */
    WriteBehind(String function, Writer writer) {
        this(function, new StateCache(StateCache.MAX_KEYS), writer, TimeUnit.MILLISECONDS::sleep);
    }

    /** @param backoff waits between the tries of a write that failed (a test's does not wait) */
    WriteBehind(String function, StateCache cache, Writer writer, Backoff backoff) {
        this.function = function;
        this.cache = cache;
        this.keyLocks = new KeyLocks();
        this.writer = writer;
        this.backoff = backoff;
        this.threads = Thread.ofVirtual().name("eddy-state-write-" + function).factory();
    }

    /** The function whose state this is. */
    String function() {
        return function;
    }

    /** What the store's engine last read or wrote of each key. */
    StateCache cache() {
        return cache;
    }

    /** The turns this engine's calls of one key take. */
    KeyLocks keyLocks() {
        return keyLocks;
    }

    /**
     * Queues the write behind the key's earlier ones, or answers null when it is to be written now by the caller:
     * the key is contended (others write it too), or this is a call being made again.
     *
     * @return completes when the state is in the store, or when its call was made again
     */
    CompletableFuture<Void> save(String key, KeyState state, CompletableFuture<Void> emitted,
            KeyedStore.Remake remake) {
        Pending write = new Pending(state, emitted == null ? NOTHING_EMITTED : emitted, remake,
                new CompletableFuture<>());
        // 0: written now by the caller; 1: queued first, to be sent; 2: queued behind others
        int[] queued = new int[1];
        chains.compute(key, (k, chain) -> {
            if (chain == null) {
                if (cache.contended(key)) {
                    return null;
                }
                chain = new Chain();
            } else if (chain.remaker == Thread.currentThread()) {
                return chain; // not queued: written now, by the remake
            }
            queued[0] = chain.pending.isEmpty() ? 1 : 2;
            chain.pending.add(write);
            if (!chain.remaking) {
                cache.wrote(key, state);
            }
            return chain;
        });
        if (queued[0] == 0) {
            return null;
        }
        if (queued[0] == 1) {
            sendWhenEmitted(key, write);
        }
        return write.written;
    }

    /** How many keys have writes not yet done. */
    int keysPending() {
        return chains.size();
    }

    private void sendWhenEmitted(String key, Pending write) {
        write.emitted.whenComplete((ok, failure) -> threads.newThread(() -> send(key, write, failure)).start());
    }

    private void send(String key, Pending write, Throwable emitFailure) {
        if (emitFailure != null) {
            remake(key, write, false);
            return;
        }
        boolean applied = false;
        for (int attempt = 1; ; attempt++) {
            try {
                applied = writer.write(key, write.state);
                break;
            } catch (StateStoreException e) {
                if (attempt == MAX_TRIES) {
                    log.warn("Function '{}': the state of key '{}' could not be written after {} tries; its call is"
                            + " made again: {}", function, key, attempt, e.getMessage());
                    break;
                }
                try {
                    backoff.pause(FIRST_BACKOFF_MILLIS << (attempt - 1));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        if (!applied) {
            remake(key, write, true);
            return;
        }
        write.written.complete(null);
        Pending[] next = new Pending[1];
        chains.compute(key, (k, chain) -> {
            chain.pending.poll();
            next[0] = chain.pending.peek();
            return next[0] == null ? null : chain;
        });
        if (next[0] != null) {
            sendWhenEmitted(key, next[0]);
        }
    }

    /**
     * A write did not apply: the key's later writes are not sent, the key is taken, and the calls are made again in
     * their order — the refused one's too unless its emits failed (then its record is dead-lettered or the function
     * stops, and its state goes).
     */
    private void remake(String key, Pending refused, boolean remakeRefused) {
        chains.compute(key, (k, chain) -> {
            chain.remaking = true;
            cache.refused(key);
            return chain;
        });
        ReentrantLock turn = keyLocks.of(key);
        turn.lock();
        try {
            // Holding the key: no call of it runs, and what the calls before wrote is all queued.
            List<Pending> stale = new ArrayList<>();
            chains.compute(key, (k, chain) -> {
                chain.remaker = Thread.currentThread();
                stale.addAll(chain.pending);
                chain.pending.clear();
                return chain;
            });
            for (Pending write : stale) {
                if (write == refused && !remakeRefused) {
                    write.written.complete(null);
                    continue;
                }
                try {
                    write.remake.run();
                    write.written.complete(null);
                } catch (Throwable e) {
                    write.written.completeExceptionally(e);
                }
            }
        } finally {
            chains.remove(key);
            turn.unlock();
        }
    }

    /**
     * Waits for a call's emits before its state is written now (a contended key, or a call made again): false when
     * they failed, and nothing is to be written.
     */
    static boolean emitted(String function, CompletableFuture<Void> emitted) {
        if (emitted == null) {
            return true;
        }
        try {
            emitted.get();
            return true;
        } catch (ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateStoreException("Function '" + function + "' was interrupted waiting for a call's outputs"
                    + " to be acknowledged", e);
        }
    }
}
