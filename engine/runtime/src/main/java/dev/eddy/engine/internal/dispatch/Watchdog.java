package dev.eddy.engine.internal.dispatch;

import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Interrupts handler calls that run past the function's timeout. It looks at every lane periodically, at a
 * quarter of the timeout, so a call is interrupted between one and one and a quarter timeouts after it started; a
 * call costs the lane two field writes and nothing on the watchdog's side.
 *
 * <p>Threading: {@link #run} runs on the worker's timer thread.
 */
final class Watchdog implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(Watchdog.class);

    private final String function;
    private final long timeoutNanos;
    private final long periodNanos;
    private final Supplier<? extends Iterable<CallWatch>> watches;

    Watchdog(String function, Duration timeout, Supplier<? extends Iterable<CallWatch>> watches) {
        this.function = function;
        this.timeoutNanos = timeout.toNanos();
        this.periodNanos = period(timeout).toNanos();
        this.watches = watches;
    }

    /** How often the watchdog looks: a quarter of the timeout, between 5 ms and 1 s. */
    static Duration period(Duration timeout) {
        long quarter = timeout.toMillis() / 4;
        return Duration.ofMillis(Math.max(5, Math.min(1000, quarter)));
    }

    @Override
    public void run() {
        for (CallWatch watch : watches.get()) {
            if (watch.watch(periodNanos, timeoutNanos)) {
                log.warn("Function '{}': a handler call ran past its timeout of {} ms and was interrupted", function,
                        timeoutNanos / 1_000_000);
            }
        }
    }

    long periodNanos() {
        return periodNanos;
    }
}
