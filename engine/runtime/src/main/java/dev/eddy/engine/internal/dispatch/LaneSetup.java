package dev.eddy.engine.internal.dispatch;

import dev.eddy.engine.Ordering;
import dev.eddy.engine.RetryPolicy;
import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * What every lane of one worker shares: where its tasks run, the invoker, what a failure costs (dead letters, the
 * failure log, the retry policy), the order its records keep, the worker's time and timers, and the batch bounds.
 *
 * <p>Threading: immutable; shared by the lanes of one worker.
 *
 * @param executor  runs the lanes' tasks (virtual threads)
 * @param gate      holds retries while an exactly-once commit is made
 * @param maxBatch  the most records in one call of a batch handler (1 for a per-record handler)
 */
record LaneSetup(Executor executor, Invoker invoker, DeadLetters deadLetters, FunctionMetrics metrics,
        FailureLog failureLog, RetryPolicy retry, Ordering ordering, Ticker ticker, Timers timers, RetryGate gate,
        int maxBatch, Duration maxBatchWait) {
}
