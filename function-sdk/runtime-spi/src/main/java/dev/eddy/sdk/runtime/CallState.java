package dev.eddy.sdk.runtime;

import dev.eddy.sdk.Codec;
import dev.eddy.sdk.KeyedState;
import dev.eddy.sdk.MapState;
import dev.eddy.sdk.StateSpec;
import dev.eddy.sdk.ValueState;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * For runtimes: one call's view of its key's state over a {@link StateStore}. Writes (and expiries found, and
 * renewed access times) are held until {@link #commit}; a failed call {@link #discard}s them, so that a failed
 * attempt leaves the state as it was. Expired state found on the way is deleted at commit, not only hidden.
 */
public final class CallState implements KeyedState {

    private static final Base64.Encoder KEYS = Base64.getUrlEncoder().withoutPadding();
    private static final String VALUE = "";

    private final StateStore store;
    private final Set<String> declared;
    private final String function;
    private final Clock clock;
    private final String key;
    /** Pending writes by state name, then entry ("" for a value state); a null Stored deletes. Made when needed. */
    private Map<String, Map<String, StateStore.Stored>> pending;

    /**
     * @param declared the names of the state the function declared
     * @param key      the current record's key, encoded as the store's key ({@link #storeKey}); null for an event
     *                 without a key, which has no keyed state: every use of it is refused
     */
    public CallState(StateStore store, Set<String> declared, String function, Clock clock, String key) {
        this.store = store;
        this.declared = declared;
        this.function = function;
        this.clock = clock;
        this.key = key;
    }

    /**
     * The state of a function that declares none: every use is refused, naming the state and saying to declare it.
     * It holds nothing, so one serves every call.
     */
    public static CallState undeclared(String function) {
        return new CallState(NO_STATE, Set.of(), function, Clock.systemUTC(), "-");
    }

    /** A store never reached: a function without declared state cannot read or write any. */
    private static final StateStore NO_STATE = new StateStore() {
        @Override
        public Stored get(String key, String state, String entry) {
            throw new IllegalStateException("no state is declared");
        }

        @Override
        public Map<String, Stored> entries(String key, String state) {
            throw new IllegalStateException("no state is declared");
        }

        @Override
        public void put(String key, String state, String entry, Stored stored) {
            throw new IllegalStateException("no state is declared");
        }
    };

    /** The store key of a record key: its bytes in URL-safe base64; null for a record without a key. */
    public static String storeKey(byte[] recordKey) {
        return recordKey == null ? null : KEYS.encodeToString(recordKey);
    }

    /** Whether the call changed anything that {@link #commit} would write. */
    public boolean hasChanges() {
        return pending != null && !pending.isEmpty();
    }

    @Override
    public <T> Optional<T> get(ValueState<T> state) {
        StateStore.Stored stored = read(state, VALUE);
        return stored == null ? Optional.empty() : Optional.ofNullable(state.codec().decode(stored.value()));
    }

    @Override
    public <T> void set(ValueState<T> state, T value) {
        write(state, VALUE, value == null ? null : state.codec().encode(value));
    }

    @Override
    public void clear(StateSpec state) {
        check(state);
        if (state instanceof MapState<?, ?> map) {
            for (String entry : liveEntries(map).keySet()) {
                pending(state).put(entry, null);
            }
        } else {
            pending(state).put(VALUE, null);
        }
    }

    @Override
    public <K, V> Optional<V> get(MapState<K, V> state, K mapKey) {
        StateStore.Stored stored = read(state, entry(state.keyCodec(), mapKey));
        return stored == null ? Optional.empty() : Optional.ofNullable(state.valueCodec().decode(stored.value()));
    }

    @Override
    public <K, V> void put(MapState<K, V> state, K mapKey, V value) {
        write(state, entry(state.keyCodec(), mapKey), value == null ? null : state.valueCodec().encode(value));
    }

    @Override
    public <K, V> void remove(MapState<K, V> state, K mapKey) {
        write(state, entry(state.keyCodec(), mapKey), null);
    }

    @Override
    public <K, V> Map<K, V> entries(MapState<K, V> state) {
        Map<K, V> entries = new HashMap<>();
        for (Map.Entry<String, StateStore.Stored> entry : liveEntries(state).entrySet()) {
            entries.put(state.keyCodec().decode(Base64.getUrlDecoder().decode(entry.getKey())),
                    state.valueCodec().decode(entry.getValue().value()));
        }
        return entries;
    }

    /** Writes what the call changed to the store. */
    public void commit() {
        commitTo(store);
    }

    /** Writes what the call changed to another store than the one it reads (a copy of its key's state). */
    public void commitTo(StateStore target) {
        if (pending == null) {
            return;
        }
        pending.forEach((state, entries) -> entries.forEach((entry, stored) ->
                target.put(key, state, entry.isEmpty() ? null : entry, stored)));
        pending = null;
    }

    /** Forgets what the call changed. */
    public void discard() {
        pending = null;
    }

    private StateStore.Stored read(StateSpec state, String entry) {
        check(state);
        Map<String, StateStore.Stored> mine = pending == null ? null : pending.get(state.name());
        StateStore.Stored stored;
        if (mine != null && mine.containsKey(entry)) {
            stored = mine.get(entry);
        } else {
            stored = store.get(key, state.name(), entry.isEmpty() ? null : entry);
        }
        if (stored == null || stored.expiresAtMillis() == Long.MAX_VALUE && !state.ttl().afterAccess()) {
            return stored;
        }
        long now = clock.millis();
        if (stored.expiresAtMillis() <= now) {
            pending(state).put(entry, null); // gone from the store at commit, not only hidden
            return null;
        }
        if (state.ttl().afterAccess()) {
            stored = new StateStore.Stored(stored.value(), expiry(state, now));
            pending(state).put(entry, stored);
        }
        return stored;
    }

    private void write(StateSpec state, String entry, byte[] value) {
        check(state);
        pending(state).put(entry, value == null ? null
                : new StateStore.Stored(value, state.ttl().expires() ? expiry(state, clock.millis()) : Long.MAX_VALUE));
    }

    /** The entries of a map state as this call sees them: stored, then changed here, without the expired. */
    private Map<String, StateStore.Stored> liveEntries(MapState<?, ?> state) {
        check(state);
        Map<String, StateStore.Stored> entries = new HashMap<>(store.entries(key, state.name()));
        Map<String, StateStore.Stored> mine = pending == null ? null : pending.get(state.name());
        if (mine != null) {
            mine.forEach((entry, stored) -> {
                if (stored == null) {
                    entries.remove(entry);
                } else {
                    entries.put(entry, stored);
                }
            });
        }
        long now = clock.millis();
        List<String> expired = new ArrayList<>();
        entries.forEach((entry, stored) -> {
            if (stored.expiresAtMillis() <= now) {
                expired.add(entry);
            }
        });
        for (String entry : expired) {
            entries.remove(entry);
            pending(state).put(entry, null);
        }
        return entries;
    }

    private static long expiry(StateSpec state, long now) {
        return state.ttl().expires() ? now + state.ttl().duration().toMillis() : Long.MAX_VALUE;
    }

    private Map<String, StateStore.Stored> pending(StateSpec state) {
        if (pending == null) {
            pending = new LinkedHashMap<>(4);
        }
        return pending.computeIfAbsent(state.name(), name -> new LinkedHashMap<>(4));
    }

    private static <K> String entry(Codec<K> codec, K mapKey) {
        byte[] bytes = codec.encode(mapKey);
        if (bytes == null) {
            throw new IllegalArgumentException("a map state's key may not encode as null");
        }
        return KEYS.encodeToString(bytes);
    }

    private void check(StateSpec state) {
        if (key == null && declared.contains(state.name())) {
            throw new IllegalStateException("function '" + function + "' used its state '" + state.name()
                    + "' for an event without a key: keyed state belongs to a key, so give the events keys (or"
                    + " leave the state alone for those without)");
        }
        if (!declared.contains(state.name())) {
            throw new IllegalArgumentException("function '" + function + "' did not declare the state '"
                    + state.name() + "': list it in its handler's state()"
                    + (declared.isEmpty() ? "" : "; it declares " + declared));
        }
    }
}
