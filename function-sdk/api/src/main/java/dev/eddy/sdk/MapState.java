package dev.eddy.sdk;

import java.time.Duration;
import java.util.Objects;

/**
 * A small map per key (the last reading of each sensor of a device, say); each entry expires on its own.
 *
 * @param name       the state's name, unique within its function
 * @param keyCodec   how the map's keys are encoded
 * @param valueCodec how its values are encoded
 * @param ttl        how long each entry lives
 * @param <K>        the map's key type
 * @param <V>        its value type
 */
public record MapState<K, V>(String name, Codec<K> keyCodec, Codec<V> valueCodec, Ttl ttl) implements StateSpec {

    public MapState {
        StateSpec.checkName(name);
        Objects.requireNonNull(keyCodec, "keyCodec");
        Objects.requireNonNull(valueCodec, "valueCodec");
        Objects.requireNonNull(ttl, "ttl");
    }

    public static <K, V> MapState<K, V> named(String name, Codec<K> keyCodec, Codec<V> valueCodec) {
        return new MapState<>(name, keyCodec, valueCodec, Ttl.NONE);
    }

    /** The same state, each entry expiring this long after it was last written. */
    public MapState<K, V> expireAfterWrite(Duration duration) {
        return new MapState<>(name, keyCodec, valueCodec, StateSpec.ttl(duration, false));
    }

    /** The same state, each entry expiring this long after it was last read or written. */
    public MapState<K, V> expireAfterAccess(Duration duration) {
        return new MapState<>(name, keyCodec, valueCodec, StateSpec.ttl(duration, true));
    }
}
