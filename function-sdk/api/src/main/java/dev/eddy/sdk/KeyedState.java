package dev.eddy.sdk;

import java.util.Map;
import java.util.Optional;

/**
 * The state of the current event's key — and of no other: one writer per key follows from the engine's per-key
 * order. Reads see this call's own writes. The engine loads the key's state before the call and keeps what the call
 * changed only if the call succeeds; a failed attempt leaves the state as it was.
 *
 * <p>Valid only during the call that received it, on its thread.
 */
public interface KeyedState {

    /**
     * The value, if set and not expired.
     *
     * @throws IllegalArgumentException when the function did not declare the state in {@link Handler#state()}
     */
    <T> Optional<T> get(ValueState<T> state);

    /** Sets the value; null clears it. */
    <T> void set(ValueState<T> state, T value);

    /** Clears the value. */
    void clear(StateSpec state);

    /** The value of one entry, if set and not expired. */
    <K, V> Optional<V> get(MapState<K, V> state, K key);

    /** Sets one entry; a null value removes it. */
    <K, V> void put(MapState<K, V> state, K key, V value);

    /** Removes one entry. */
    <K, V> void remove(MapState<K, V> state, K key);

    /** Every entry that has not expired, in no particular order. */
    <K, V> Map<K, V> entries(MapState<K, V> state);
}
