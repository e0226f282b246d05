package dev.eddy.sdk.runtime;

import dev.eddy.sdk.window.Aggregate;
import dev.eddy.sdk.window.Window;
import dev.eddy.sdk.window.WindowResult;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One partition's windows: which windows an event adds to, which it came too late for, and when a window closes.
 * The engine's stream processor and the test kit both run it, so that a function behaves in its tests as it does
 * deployed.
 *
 * <p>Time: the partition's time is the latest event time seen on it, and it goes on by the wall clock while the
 * partition is quiet: caught up (it has read everything there is) and without an event for a while (an idle
 * partition does not hold its windows open; a partition working through a backlog goes by its events' time alone).
 * It is kept with the windows, so that a restart goes on from it. A window closes once that time reaches its
 * {@link Window#closesAt close}; an event for a window already closed is late.
 *
 * <p>Not thread-safe: one partition's events and closes come one at a time.
 *
 * @param <T> the events' values
 * @param <A> the accumulator
 */
public final class Windowing<T, A> {

    /** Where a window's result goes. */
    public interface Results<A> {
        /** A window's result: an update while it is open, or its final one. */
        void emit(byte[] key, WindowResult<A> result);
    }

    /** A window's bounds, in milliseconds. */
    public record Bounds(long start, long end) {
        @Override
        public String toString() {
            return "[" + java.time.Instant.ofEpochMilli(start) + ", " + java.time.Instant.ofEpochMilli(end)
                    + (start == end ? "]" : ")");
        }
    }

    private final Window window;
    private final Aggregate<T, A> aggregate;
    private final WindowStore store;
    /** The latest event time seen (or the time closed through at the start), or Long.MIN_VALUE before any. */
    private long streamTime = Long.MIN_VALUE;
    /** The wall clock when the latest event was seen (or when this started). */
    private long wallAtLastEvent;
    /** How long a caught-up partition goes without an event before its time goes on by the wall clock. */
    private final long quietAfterMillis;
    /** Whether the partition has read everything there is: only then is it quiet. */
    private final java.util.function.BooleanSupplier caughtUp;
    /**
     * From what time an event closes windows before it is added: the next time a window can close, for time
     * windows; for sessions, half their gap and grace after the last look. The stores drop what is older than
     * their retention, by the latest event time put: closed first, nothing open is dropped.
     */
    private long nextDue = Long.MIN_VALUE;

    /**
     * A partition that is quiet as soon as it has no event (the test kit's: it has no backlog).
     *
     * @param wallNow the wall clock now, in milliseconds: the partition's time goes on from here while quiet
     * @throws IllegalArgumentException for session windows over an aggregate that cannot merge
     */
    public Windowing(Window window, Aggregate<T, A> aggregate, WindowStore store, long wallNow) {
        this(window, aggregate, store, wallNow, 0, () -> true);
    }

    /**
     * @param wallNow          the wall clock now, in milliseconds: the partition's time goes on from here while
     *                         quiet
     * @param quietAfterMillis how long a caught-up partition goes without an event before it is quiet
     * @param caughtUp         whether the partition has read everything there is now
     * @throws IllegalArgumentException for session windows over an aggregate that cannot merge
     */
    public Windowing(Window window, Aggregate<T, A> aggregate, WindowStore store, long wallNow,
            long quietAfterMillis, java.util.function.BooleanSupplier caughtUp) {
        if (window.kind() == Window.Kind.SESSION && !aggregate.merges()) {
            throw new IllegalArgumentException("session windows merge when an event joins two of them: the"
                    + " aggregate needs a merge (Aggregate.of with a merge function, or count/sum/stats)");
        }
        this.window = window;
        this.aggregate = aggregate;
        this.store = store;
        // After a restart the partition's time goes on from where its windows were closed through, from now: the
        // time the engine was down does not count.
        this.streamTime = store.closedThrough();
        this.wallAtLastEvent = wallNow;
        this.quietAfterMillis = quietAfterMillis;
        this.caughtUp = caughtUp;
    }

    /**
     * Adds an event to its key's windows, and emits their updates when the window emits them.
     *
     * @return the windows the event came too late for (it was added to none of them); empty when none
     */
    public List<Bounds> add(byte[] key, T value, long timestamp, long wallNow, Results<A> results) {
        streamTime = Math.max(streamTime, timestamp);
        wallAtLastEvent = wallNow;
        long time = time(wallNow);
        if (time >= nextDue) {
            closeDue(wallNow, results);
        }
        return window.kind() == Window.Kind.SESSION
                ? addToSession(key, value, timestamp, time, results)
                : addToWindows(key, value, timestamp, time, results);
    }

    private List<Bounds> addToWindows(byte[] key, T value, long timestamp, long time, Results<A> results) {
        List<Bounds> missed = List.of();
        for (long start : window.startsOf(timestamp)) {
            long end = window.endOf(start);
            if (window.closesAt(end) <= time) {
                missed = missed.isEmpty() ? new ArrayList<>() : missed;
                missed.add(new Bounds(start, end));
                continue;
            }
            byte[] kept = store.get(key, start, end);
            A next = aggregate.add(kept == null ? aggregate.initial() : aggregate.codec().decode(kept), value);
            store.put(key, start, end, aggregate.codec().encode(next));
            if (window.emit() == Window.Emit.UPDATES) {
                results.emit(key, result(key, start, end, next, false));
            }
        }
        return missed;
    }

    private List<Bounds> addToSession(byte[] key, T value, long timestamp, long time, Results<A> results) {
        long gap = window.gap().toMillis();
        List<WindowStore.Kept> joined = store.sessions(key, timestamp - gap, timestamp + gap);
        long start = timestamp;
        long end = timestamp;
        for (WindowStore.Kept session : joined) {
            start = Math.min(start, session.start());
            end = Math.max(end, session.end());
        }
        if (window.closesAt(end) <= time) {
            return List.of(new Bounds(start, end));
        }
        A merged = aggregate.initial();
        for (WindowStore.Kept session : joined) {
            merged = aggregate.merge(merged, aggregate.codec().decode(session.accumulator()));
            store.remove(key, session.start(), session.end());
        }
        A next = aggregate.add(merged, value);
        store.put(key, start, end, aggregate.codec().encode(next));
        if (window.emit() == Window.Emit.UPDATES) {
            results.emit(key, result(key, start, end, next, false));
        }
        return List.of();
    }

    /**
     * Closes every window whose close the partition's time has reached: emits its final result and forgets it.
     *
     * @return how many windows closed
     */
    public int closeDue(long wallNow, Results<A> results) {
        long time = time(wallNow);
        if (time == Long.MIN_VALUE) {
            return 0; // nothing seen yet
        }
        long latestEnd = time - window.closesAt(0);
        int closed = 0;
        for (WindowStore.Kept kept : store.endingBy(latestEnd)) {
            A value = aggregate.codec().decode(kept.accumulator());
            results.emit(kept.key(), result(kept.key(), kept.start(), kept.end(), value, true));
            store.remove(kept.key(), kept.start(), kept.end());
            closed++;
        }
        if (time > store.closedThrough()) {
            store.closedThrough(time);
        }
        nextDue = nextDueAfter(time);
        return closed;
    }

    private long nextDueAfter(long time) {
        long grace = window.grace().toMillis();
        if (window.kind() == Window.Kind.SESSION) {
            return time + Math.max(1, (window.gap().toMillis() + grace) / 2);
        }
        // Windows close at start + size + grace, their starts a multiple of the advance: the first such after time.
        long advance = window.advance().toMillis();
        long size = window.size().toMillis();
        long nextStart = Math.floorDiv(time - size - grace, advance) * advance + advance;
        return nextStart + size + grace;
    }

    /**
     * The partition's time: the latest event time, gone on by the wall clock for as long as the partition has been
     * quiet, and never before the time the windows were closed through.
     */
    public long time(long wallNow) {
        if (streamTime == Long.MIN_VALUE) {
            return Long.MIN_VALUE;
        }
        long quietFor = wallNow - wallAtLastEvent - quietAfterMillis;
        long advance = quietFor > 0 && caughtUp.getAsBoolean() ? quietFor : 0;
        return Math.max(store.closedThrough(), streamTime + advance);
    }

    private static <A> WindowResult<A> result(byte[] key, long start, long end, A value, boolean closed) {
        return new WindowResult<>(key == null ? null : new String(key, StandardCharsets.UTF_8), start, end, value,
                closed);
    }
}
