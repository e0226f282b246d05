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
    /** How much of a timed-out call's stack its log shows. */
    private static final int STACK_FRAMES = 24;

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
        int timedOut = 0;
        StackTraceElement[] first = null;
        for (CallWatch watch : watches.get()) {
            if (watch.watch(periodNanos, timeoutNanos)) {
                timedOut++;
                first = first == null ? watch.stackAtTimeout() : first;
            }
        }
        if (timedOut > 0) {
            // One line for the round, with where one of the calls was: a handler stuck on a lock, a slow service or
            // a call that never answers shows there.
            log.warn("Function '{}': {} ran past its timeout of {} ms and {} interrupted; {} at:{}", function,
                    timedOut == 1 ? "a handler call" : timedOut + " handler calls", timeoutNanos / 1_000_000,
                    timedOut == 1 ? "was" : "were", timedOut == 1 ? "it was" : "one was", where(first));
        }
    }

    /** The innermost frames of a stack, one per line. */
    static String where(StackTraceElement[] stack) {
        StringBuilder where = new StringBuilder();
        for (int i = 0; i < Math.min(stack.length, STACK_FRAMES); i++) {
            where.append("\n\tat ").append(stack[i]);
        }
        if (stack.length > STACK_FRAMES) {
            where.append("\n\t... ").append(stack.length - STACK_FRAMES).append(" more");
        }
        return stack.length == 0 ? " (no stack)" : where.toString();
    }

    long periodNanos() {
        return periodNanos;
    }
}
