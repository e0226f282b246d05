package dev.eddy.sdk;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A piece of keyed state a function declares: its name, how its values are encoded, and how long it lives. The
 * engine keeps one of each per key; a handler sees only the current event's key's (see {@link KeyedState}).
 * Declared once, as constants, and listed by {@link Handler#state()}:
 *
 * <pre>{@code
 * static final ValueState<Long> COUNT = ValueState.named("count", Codec.json(Long.class));
 * static final MapState<String, Double> LAST = MapState.named("last", Codec.string(), Codec.json(Double.class))
 *         .expireAfterWrite(Duration.ofHours(1));
 * }</pre>
 */
public sealed interface StateSpec permits ValueState, MapState {

    /** What the names of state look like. */
    Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]{0,62}");

    /** The state's name, unique within its function. */
    String name();

    /** How long the state lives, and from when; {@link Ttl#NONE} unless set. */
    Ttl ttl();

    /**
     * When state expires: never, a duration after it was last written, or after it was last read or written.
     * Expired state is gone from the store, not only hidden.
     *
     * @param duration how long after the last write (or access); zero for {@link #NONE}
     * @param afterAccess whether reads renew it too
     */
    record Ttl(Duration duration, boolean afterAccess) {

        /** State that does not expire. */
        public static final Ttl NONE = new Ttl(Duration.ZERO, false);

        public Ttl {
            Objects.requireNonNull(duration, "duration");
            if (duration.isNegative()) {
                throw new IllegalArgumentException("a time-to-live is not negative; got " + duration);
            }
        }

        /** Whether state expires at all. */
        public boolean expires() {
            return !duration.isZero();
        }
    }

    /** @throws IllegalArgumentException when the name is not a state name */
    static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("state name '" + name + "' is not valid: use 1 to 63 lowercase"
                    + " letters, digits, '_' or '-', starting with a letter");
        }
        return name;
    }

    static Ttl ttl(Duration duration, boolean afterAccess) {
        if (duration.isZero() || duration.isNegative()) {
            throw new IllegalArgumentException("a time-to-live must be positive; got " + duration);
        }
        return new Ttl(duration, afterAccess);
    }
}
