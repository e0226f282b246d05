package dev.eddy.engine.internal.windows;

import java.time.Duration;
import java.util.function.IntPredicate;
import java.util.function.LongSupplier;

/**
 * When a windowed function's windows close by the wall clock: the clock, how often the processors look, and when
 * a partition counts as quiet (see {@link dev.eddy.sdk.runtime.Windowing}).
 *
 * @param wallClock     the wall clock, epoch milliseconds
 * @param closeInterval how often each processor looks for windows whose close has come
 * @param quietAfter    how long a caught-up partition goes without a record before its time goes on by the clock
 * @param caughtUp      whether the worker has read everything there is of an input partition (by its number)
 */
record WindowTiming(LongSupplier wallClock, Duration closeInterval, Duration quietAfter, IntPredicate caughtUp) {
}
