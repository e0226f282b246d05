package dev.eddy.sdk.runtime;

import java.util.Map;

/**
 * For runtimes: where a function's keyed state is kept, as bytes. {@link CallState} gives handlers their typed view
 * of it, with time-to-live and per-call writes on top. Keys are the records' keys; {@code entry} is null for a
 * {@link dev.eddy.sdk.ValueState} and the encoded map key for a {@link dev.eddy.sdk.MapState} entry.
 */
public interface StateStore {

    /** A stored value and when it expires (epoch milliseconds; {@link Long#MAX_VALUE} for never). */
    record Stored(byte[] value, long expiresAtMillis) {
    }

    /** The stored value, or null. */
    Stored get(String key, String state, String entry);

    /** Every entry of a map state of this key, by encoded map key. */
    Map<String, Stored> entries(String key, String state);

    /** Stores a value, or deletes it when {@code stored} is null. */
    void put(String key, String state, String entry, Stored stored);
}
