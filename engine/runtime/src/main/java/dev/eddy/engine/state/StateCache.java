package dev.eddy.engine.state;

import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What an external store held for each key when this engine last read or wrote it, so that the next call of a key
 * on this engine need not read it again. An entry may be stale — another engine, the expiry sweep or Redis itself
 * changed the key since — and that costs nothing but a round: the write based on it is refused for its version
 * ({@link StateConflictException}), the entry is dropped, and the call is made again on what the store holds.
 *
 * <p>Bounded: past {@link #maxKeys}, entries are dropped in no particular order. Emptied when the engine gives up
 * partitions, since the keys they fed will be written elsewhere.
 *
 * <p>Threading: any call's thread; the entries are never changed, only replaced, and every read hands out a copy.
 */
final class StateCache {

    /** The most keys whose state an engine keeps for a function. */
    static final int MAX_KEYS = 100_000;

    private final int maxKeys;
    private final ConcurrentHashMap<String, KeyState> states = new ConcurrentHashMap<>();
    /** Keys others write too: never cached. */
    private final java.util.Set<String> contended = ConcurrentHashMap.newKeySet();

    StateCache(int maxKeys) {
        this.maxKeys = maxKeys;
    }

    /** The key's state as last seen here (a copy, for the call's changes), or null when not known. */
    KeyState get(String key) {
        KeyState cached = states.get(key);
        return cached == null ? null : cached.copy();
    }

    /** The state the store holds for the key now, as just read. */
    void read(String key, KeyState state) {
        keep(key, state.copy());
    }

    /** The key's state as just written at {@code written}'s version: the store holds it at the next. */
    void wrote(String key, KeyState written) {
        keep(key, written.isEmpty() ? KeyState.empty() : written.copy().atVersion(written.version() + 1));
    }

    /** The entry is stale or unknown: the next call reads the store. */
    void drop(String key) {
        states.remove(key);
    }

    /**
     * A write based on the entry was refused: someone else writes the key too (another engine that owns another
     * partition feeding it, or an outside writer), so that its calls read the store from now on rather than be made
     * on a stale entry first.
     */
    void refused(String key) {
        states.remove(key);
        if (contended.size() >= maxKeys) {
            contended.clear();
        }
        contended.add(key);
    }

    /** Whether others write the key too: its calls read the store, and write before they return. */
    boolean contended(String key) {
        return contended.contains(key);
    }

    void clear() {
        states.clear();
        contended.clear();
    }

    int size() {
        return states.size();
    }

    private void keep(String key, KeyState state) {
        if (maxKeys == 0 || contended.contains(key)) {
            return;
        }
        if (states.size() >= maxKeys && !states.containsKey(key)) {
            Iterator<String> keys = states.keySet().iterator();
            for (int dropped = 0; dropped < maxKeys / 8 + 1 && keys.hasNext(); dropped++) {
                keys.next();
                keys.remove();
            }
        }
        states.put(key, state);
    }
}
