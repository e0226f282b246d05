package dev.eddy.sdk;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A table's latest values, by key, as the engine has read them from its topic so far (see {@link TableSpec}): a
 * lookup reads memory, not Kafka. A key whose latest record is a tombstone is absent.
 *
 * @param <V> the type of the values
 */
public interface Table<V> {

    /**
     * The key's latest value.
     *
     * @throws CodecException when the table's record for the key cannot be decoded by the table's codec
     */
    Optional<V> get(byte[] key);

    /** The key's latest value, the key given as UTF-8 text. */
    default Optional<V> get(String key) {
        return get(key.getBytes(StandardCharsets.UTF_8));
    }

    /** How many keys the table holds now. */
    long size();
}
