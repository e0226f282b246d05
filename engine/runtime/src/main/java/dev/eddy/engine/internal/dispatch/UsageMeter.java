package dev.eddy.engine.internal.dispatch;

import java.util.function.BooleanSupplier;

/**
 * Bills one lane's calls: each call its duration rounded up to the millisecond. Reading the clock costs about as
 * much as a fast handler's call, so the calls of a function whose calls are fast (under
 * {@link Invoker#FAST_CALL_NANOS} on average) are timed in groups of up to {@link #GROUP}: a group that took a
 * millisecond or less bills a millisecond per call, exactly what timing each call would; a longer one (a slow call
 * among fast ones, a pause) bills its time rounded up plus a millisecond for each other call in it. Other
 * functions' calls are timed one by one. A call's time runs from the lane's previous clock reading, so it includes
 * the engine's microseconds between calls. What a lane task's calls used is added to the function's usage once,
 * when the task ends.
 *
 * <p>Threading: one lane's, one task at a time.
 */
final class UsageMeter {

    /** How many calls of a fast function are timed together. */
    static final int GROUP = 16;

    private final Ticker ticker;
    private final FunctionMetrics metrics;
    private final BooleanSupplier callsAreFast;
    /** Calls billed, and their milliseconds, not yet added to the function's usage. */
    private long calls;
    private long billedMillis;
    /** Calls since the clock was last read, and when that was. */
    private int unmeasured;
    private long lastReading;

    UsageMeter(Ticker ticker, FunctionMetrics metrics, BooleanSupplier callsAreFast) {
        this.ticker = ticker;
        this.metrics = metrics;
        this.callsAreFast = callsAreFast;
    }

    /** A lane task starts: its calls are timed from now. */
    void taskStarted() {
        lastReading = ticker.nanoTime();
        unmeasured = 0;
    }

    /** A call returned (or threw). */
    void billed() {
        unmeasured++;
        if (unmeasured >= GROUP || !callsAreFast.getAsBoolean()) {
            measure();
        }
    }

    private void measure() {
        if (unmeasured == 0) {
            return;
        }
        long now = ticker.nanoTime();
        long elapsed = now - lastReading;
        billedMillis += elapsed <= 1_000_000 ? unmeasured : unmeasured - 1 + (elapsed + 999_999) / 1_000_000;
        calls += unmeasured;
        unmeasured = 0;
        lastReading = now;
    }

    /** Adds what the lane task's calls used to the function's usage. */
    void flush() {
        measure();
        if (calls > 0) {
            metrics.usage(calls, billedMillis);
            calls = 0;
            billedMillis = 0;
        }
    }
}
