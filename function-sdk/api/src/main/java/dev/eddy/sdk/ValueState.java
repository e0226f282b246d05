package dev.eddy.sdk;

import java.time.Duration;
import java.util.Objects;

/**
 * One value per key: a count, a running average, the last reading.
 *
 * @param name  the state's name, unique within its function
 * @param codec how the value is encoded in the store
 * @param ttl   how long it lives
 * @param <T>   the value's type
 */
public record ValueState<T>(String name, Codec<T> codec, Ttl ttl) implements StateSpec {

    public ValueState {
        StateSpec.checkName(name);
        Objects.requireNonNull(codec, "codec");
        Objects.requireNonNull(ttl, "ttl");
    }

    /** A value that does not expire. */
    public static <T> ValueState<T> named(String name, Codec<T> codec) {
        return new ValueState<>(name, codec, Ttl.NONE);
    }

    /** The same state, expiring this long after it was last written. */
    public ValueState<T> expireAfterWrite(Duration duration) {
        return new ValueState<>(name, codec, StateSpec.ttl(duration, false));
    }

    /** The same state, expiring this long after it was last read or written. */
    public ValueState<T> expireAfterAccess(Duration duration) {
        return new ValueState<>(name, codec, StateSpec.ttl(duration, true));
    }
}
