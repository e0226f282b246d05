package dev.eddy.engine.internal.dispatch;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Work a worker does later: a retry after its backoff, a batch's flush after its max wait, the watchdog's rounds.
 * Injected with the {@link Ticker}, so that a test runs what is due when it advances its time; {@link #onThread}
 * is the production one, a single daemon thread per worker.
 *
 * <p>Threading: {@link #schedule} and {@link #every} may be called from any thread; tasks run on the timers' own.
 */
public interface Timers extends AutoCloseable {

    /** Runs the task once, after the delay. */
    void schedule(Runnable task, long delayNanos);

    /** Runs the task every period, the first time one period from now. */
    void every(Runnable task, long periodNanos);

    /** Drops what has not run; a task running now finishes. */
    @Override
    void close();

    /** Timers on one daemon platform thread of this name. */
    static Timers onThread(String name) {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name(name).daemon().factory());
        return new Timers() {
            @Override
            public void schedule(Runnable task, long delayNanos) {
                executor.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
            }

            @Override
            public void every(Runnable task, long periodNanos) {
                executor.scheduleAtFixedRate(task, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
            }

            @Override
            public void close() {
                executor.shutdownNow();
            }
        };
    }
}
