package dev.eddy.engine.internal.dispatch;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The records a function has handed out and not yet completed, against its budget ({@code max.buffered.records}).
 * At the budget the poll loop parks until half of it has completed, or until a deadline (it must poll now and then
 * to stay in its group); waiting for half rather than for any completion keeps the poll loop and the lanes from
 * waking each other for every chunk.
 *
 * <p>Threading: {@link #dispatched} and {@link #awaitRoom} on the poll loop; {@link #completed} from any thread.
 */
final class InFlightBudget {

    private final int max;
    /** The budget now, up to {@link #max}; written and read by the poll loop. */
    private int limit;
    /** Records handed out; written by the poll loop only. */
    private long dispatched;
    private final AtomicLong completed = new AtomicLong();
    /** The poll loop's thread while it waits for room, else null. */
    private volatile Thread waiting;
    /** The completed count the waiting poll loop wants to be woken at. */
    private volatile long wakeAt;

    private final Ticker ticker;

    InFlightBudget(int max, Ticker ticker) {
        this.ticker = ticker;
        this.max = max;
        this.limit = max;
    }

    /** Sets the budget to this many records, within 1 and {@code max.buffered.records}. */
    void limit(int records) {
        limit = Math.max(1, Math.min(max, records));
    }

    void dispatched(int records) {
        dispatched += records;
    }

    void completed(int records) {
        long done = completed.addAndGet(records);
        Thread poller = waiting;
        if (poller != null && done >= wakeAt) {
            LockSupport.unpark(poller);
        }
    }

    /** Whether the records in flight have reached the budget. */
    boolean full() {
        return dispatched - completed.get() >= limit;
    }

    /** Whether every record handed out has completed. */
    boolean allDone() {
        return dispatched == completed.get();
    }

    long dispatchedCount() {
        return dispatched;
    }

    long completedCount() {
        return completed.get();
    }

    /** Parks until half the budget has completed, the deadline passes, or {@link #wake} is called. */
    void awaitRoom(long deadlineNanos) {
        long target = dispatched - limit / 2;
        wakeAt = target;
        waiting = Thread.currentThread();
        try {
            long left;
            while (completed.get() < target && waiting != null && (left = deadlineNanos - ticker.nanoTime()) > 0) {
                LockSupport.parkNanos(this, left);
            }
        } finally {
            waiting = null;
        }
    }

    /**
     * Parks once, until the deadline or {@link #wake}: the poll loop's pause between polls while partitions are
     * paused (a spurious wake-up only shortens it).
     */
    void pause(long deadlineNanos) {
        wakeAt = Long.MAX_VALUE;
        waiting = Thread.currentThread();
        try {
            long left = deadlineNanos - ticker.nanoTime();
            if (left > 0 && waiting != null) {
                LockSupport.parkNanos(this, left);
            }
        } finally {
            waiting = null;
        }
    }

    /** Ends a wait at once (the function is stopping). */
    void wake() {
        Thread poller = waiting;
        waiting = null;
        if (poller != null) {
            LockSupport.unpark(poller);
        }
    }
}
