package dev.eddy.sdk.window;

import java.time.Duration;
import java.util.Objects;

/**
 * How a windowed function cuts its keys' events into windows of event time, how long a window waits for late
 * events, and what it emits.
 *
 * <ul>
 *   <li>{@link #tumbling(Duration) tumbling}: windows of one size, one after the other ({@code [0, size)},
 *       {@code [size, 2·size)}, …): each event falls into exactly one.</li>
 *   <li>{@link #hopping(Duration, Duration) hopping}: windows of one size starting every {@code advance}; an event
 *       falls into {@code size / advance} of them.</li>
 *   <li>{@link #session(Duration) session}: one key's events no more than {@code gap} apart make one window; a
 *       window starts at its first event and ends at its last.</li>
 * </ul>
 *
 * <p>A window is <em>closed</em> once its function's time has passed the window's end by the {@link #grace(Duration)
 * grace} (a session: its end by the gap and the grace). The function's time is the latest event time it has seen
 * on the window's partition, and it goes on by the wall clock while the partition receives nothing, so that the
 * last window of a device that stops sending still closes. An event whose window has closed is late: it goes to
 * the dead-letter topic with the reason {@code LATE} and the window it missed, never silently away.
 *
 * <pre>{@code
 * Window.tumbling(Duration.ofSeconds(10)).grace(Duration.ofSeconds(2))
 * Window.hopping(Duration.ofMinutes(5), Duration.ofMinutes(1))
 * Window.session(Duration.ofMinutes(30)).emit(Window.Emit.UPDATES)
 * }</pre>
 *
 * @param kind    tumbling, hopping or session
 * @param size    a time window's length; zero for a session window
 * @param advance how far apart time windows start (a tumbling window's is its size); zero for a session window
 * @param gap     a session window's inactivity gap; zero for time windows
 * @param grace   how long after its end a window still takes events that arrive out of order
 * @param emit    whether a window's result is emitted once, when it closes, or after every event too
 */
public record Window(Kind kind, Duration size, Duration advance, Duration gap, Duration grace, Emit emit) {

    /** The kinds of window. */
    public enum Kind { TUMBLING, HOPPING, SESSION }

    /** When a window's result is emitted. */
    public enum Emit {
        /** Once, when the window closes (the default): one result per window and key. */
        FINAL,
        /** After every event that changed it, and once more when it closes (the closing one is marked final). */
        UPDATES
    }

    /** The longest window, gap or grace: a year. */
    public static final Duration MAX = Duration.ofDays(365);

    public Window {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(emit, "emit");
        check("grace", grace, true);
        if (kind == Kind.SESSION) {
            check("gap", gap, false);
            size = Duration.ZERO;
            advance = Duration.ZERO;
        } else {
            check("size", size, false);
            if (kind == Kind.TUMBLING) {
                advance = size;
            }
            check("advance", advance, false);
            if (advance.compareTo(size) > 0) {
                throw new IllegalArgumentException("a hopping window's advance is at most its size: windows " + size
                        + " long every " + advance + " would leave events in none; got advance " + advance);
            }
            if (size.toMillis() % advance.toMillis() != 0 && kind == Kind.HOPPING) {
                throw new IllegalArgumentException("a hopping window's size is a whole number of advances; got size "
                        + size + " and advance " + advance);
            }
            gap = Duration.ZERO;
        }
    }

    /** Tumbling windows of this size, no grace, final results only. */
    public static Window tumbling(Duration size) {
        return new Window(Kind.TUMBLING, size, size, Duration.ZERO, Duration.ZERO, Emit.FINAL);
    }

    /** Windows of this size starting every {@code advance}, no grace, final results only. */
    public static Window hopping(Duration size, Duration advance) {
        return new Window(Kind.HOPPING, size, advance, Duration.ZERO, Duration.ZERO, Emit.FINAL);
    }

    /** Session windows closed by this gap of inactivity, no grace, final results only. */
    public static Window session(Duration gap) {
        return new Window(Kind.SESSION, Duration.ZERO, Duration.ZERO, gap, Duration.ZERO, Emit.FINAL);
    }

    /** These windows with this grace for events that arrive out of order. */
    public Window grace(Duration grace) {
        return new Window(kind, size, advance, gap, grace, emit);
    }

    /** These windows, emitting as told. */
    public Window emit(Emit when) {
        return new Window(kind, size, advance, gap, grace, when);
    }

    /**
     * The starts of the time windows an event time falls into, earliest first, in milliseconds; none before 0.
     *
     * @throws IllegalStateException for session windows, which have no fixed starts
     */
    public long[] startsOf(long timestamp) {
        if (kind == Kind.SESSION) {
            throw new IllegalStateException("session windows have no fixed starts");
        }
        long sizeMs = size.toMillis();
        long advanceMs = advance.toMillis();
        long first = Math.max(0, timestamp - sizeMs + advanceMs) / advanceMs * advanceMs;
        int count = (int) ((timestamp - first) / advanceMs) + 1;
        long[] starts = new long[count];
        for (int i = 0; i < count; i++) {
            starts[i] = first + i * advanceMs;
        }
        return starts;
    }

    /** A time window's end (exclusive) for its start, in milliseconds. */
    public long endOf(long start) {
        return start + size.toMillis();
    }

    /**
     * When a window ending at {@code end} closes: from this function time on (in milliseconds), it takes no more
     * events and its final result is emitted. A time window's end is exclusive and it closes at end + grace; a
     * session's end is its last event and it closes just after end + gap + grace (an event exactly a gap after it
     * still joins it).
     */
    public long closesAt(long end) {
        return kind == Kind.SESSION ? end + gap.toMillis() + grace.toMillis() + 1 : end + grace.toMillis();
    }

    /** How long a window's state must be kept after its start, at least: its length (or gap) and its grace. */
    public Duration retention() {
        return (kind == Kind.SESSION ? gap : size).plus(grace);
    }

    private static void check(String what, Duration value, boolean zeroAllowed) {
        if (value == null) {
            throw new IllegalArgumentException("a window's " + what + " is required");
        }
        if (value.isNegative() || (!zeroAllowed && value.isZero()) || value.compareTo(MAX) > 0
                || value.toNanos() % 1_000_000 != 0) {
            throw new IllegalArgumentException("a window's " + what + " is " + (zeroAllowed ? "0" : "1 ms")
                    + " to 365 days, in whole milliseconds; got " + value);
        }
    }

    @Override
    public String toString() {
        String shape = switch (kind) {
            case TUMBLING -> "tumbling " + size;
            case HOPPING -> "hopping " + size + " every " + advance;
            case SESSION -> "session gap " + gap;
        };
        return shape + ", grace " + grace + ", emit " + emit;
    }
}
