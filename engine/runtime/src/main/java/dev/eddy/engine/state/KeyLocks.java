package dev.eddy.engine.state;

import java.util.concurrent.locks.ReentrantLock;

/**
 * Makes the stateful calls of one key take turns on this engine, whichever partition (and so whichever worker)
 * their records come from: a key fed by two input topics (or by an input and the replay topic) is otherwise run by
 * two lanes at once, and the second write would be refused as a conflict and its call made again. Keys share a fixed set of locks by hash, so
 * that nothing is kept per key; two keys that share one wait for each other only for the length of a call.
 *
 * <p>Threading: any lane; a {@link ReentrantLock} parks a virtual thread without pinning its carrier.
 */
public final class KeyLocks {

    private static final int STRIPES = 1024;

    private final ReentrantLock[] locks = new ReentrantLock[STRIPES];

    public KeyLocks() {
        for (int i = 0; i < STRIPES; i++) {
            locks[i] = new ReentrantLock();
        }
    }

    /** The lock of a store key: lock it around the key's load, call and save. */
    public ReentrantLock of(String key) {
        int hash = key.hashCode();
        return locks[(hash ^ (hash >>> 16)) & (STRIPES - 1)];
    }
}
