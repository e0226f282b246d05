package dev.eddy.engine.internal.dispatch;

import java.time.Clock;

/**
 * The time the dispatcher reads: a monotonic nanosecond count for intervals and deadlines, and a wall clock for
 * what is stamped (dead letters, state expiry, end-to-end latency). Injected, so that a test can step the commit
 * interval, retry backoff, the watchdog and the idle time instead of waiting for them; {@link #SYSTEM} is the
 * machine's.
 *
 * <p>Threading: read from any thread.
 */
public interface Ticker {

    /** The machine's time: {@link System#nanoTime()} and the UTC system clock. */
    Ticker SYSTEM = new Ticker() {
        private final Clock utc = Clock.systemUTC();

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public Clock clock() {
            return utc;
        }
    };

    /** A monotonic count of nanoseconds, like {@link System#nanoTime()}: only differences mean anything. */
    long nanoTime();

    /** The wall clock, in UTC. */
    Clock clock();

    /**
     * Waits this long on the calling thread (a pause between tries); a test's ticker moves its time instead.
     *
     * @throws InterruptedException when the thread is interrupted meanwhile
     */
    default void pause(long nanos) throws InterruptedException {
        java.util.concurrent.TimeUnit.NANOSECONDS.sleep(nanos);
    }

    /** The wall clock's milliseconds since the epoch. */
    default long millis() {
        return clock().millis();
    }
}
