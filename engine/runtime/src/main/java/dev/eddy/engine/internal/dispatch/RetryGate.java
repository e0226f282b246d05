package dev.eddy.engine.internal.dispatch;

import java.util.ArrayList;
import java.util.List;

/**
 * Keeps retries from starting while an exactly-once transaction is being committed around the records that wait
 * for them. A retry enters through the gate as it stops waiting; while the gate is closed, it is kept and started
 * again when the gate opens. Closing it and then seeing every chunk quiescent means no retry runs, or can start,
 * until the commit is made. An at-least-once worker never closes it.
 *
 * <p>Threading: any lane enters; the poll loop closes and opens.
 */
final class RetryGate {

    private boolean closed;
    private final List<Runnable> deferred = new ArrayList<>();

    /**
     * A retry starts: runs {@code start} (the record stops waiting) and returns true; or, with the gate closed,
     * keeps {@code later} for when it opens and returns false.
     */
    synchronized boolean enter(Runnable start, Runnable later) {
        if (closed) {
            deferred.add(later);
            return false;
        }
        start.run();
        return true;
    }

    synchronized void close() {
        closed = true;
    }

    /** Opens the gate and starts again the retries kept meanwhile. */
    void open() {
        List<Runnable> waiting;
        synchronized (this) {
            closed = false;
            waiting = new ArrayList<>(deferred);
            deferred.clear();
        }
        waiting.forEach(Runnable::run);
    }
}
