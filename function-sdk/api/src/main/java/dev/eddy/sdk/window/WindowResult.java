package dev.eddy.sdk.window;

import java.time.Instant;

/**
 * What a windowed function emits for one key's window: a {@link WindowedFunction}'s {@code result} turns it into
 * the emitted value (by default it is emitted as it is, as JSON).
 *
 * @param key    the events' key, as text (UTF-8)
 * @param start  the window's start in milliseconds since the epoch (a session: its first event's time)
 * @param end    its end: a time window's is exclusive, a session's is its last event's time
 * @param value  the aggregate of the window's events
 * @param closed true for the window's final result; false for an update while it is open ({@link Window.Emit#UPDATES})
 * @param <A>    the aggregate's type
 */
public record WindowResult<A>(String key, long start, long end, A value, boolean closed) {

    /** The window's start as an instant. */
    public Instant startTime() {
        return Instant.ofEpochMilli(start);
    }

    /** The window's end as an instant. */
    public Instant endTime() {
        return Instant.ofEpochMilli(end);
    }
}
