package dev.eddy.engine.internal.windows;

import dev.eddy.engine.FailureReason;
import dev.eddy.engine.internal.dispatch.FunctionMetrics;
import dev.eddy.sdk.window.WindowResult;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a windowed function's processors count: into the function's meters (received, completed, emitted, dead
 * lettered, as for any function) and, for its worker's throughput, how many records it is done with.
 *
 * <p>Threading: the worker's stream threads, at once.
 */
final class WindowCounts {

    private final FunctionMetrics metrics;
    private final LongAdder completed = new LongAdder();

    WindowCounts(FunctionMetrics metrics) {
        this.metrics = metrics;
    }

    /** One record's time, sampled. */
    void timed(long nanos) {
        metrics.windowRecordTimed(nanos);
    }

    void received() {
        metrics.windowRecordReceived();
    }

    /** A record was added to its windows. */
    void added() {
        metrics.windowRecordAdded();
        completed.increment();
    }

    void deadLettered(FailureReason reason) {
        metrics.windowRecordDeadLettered(reason);
        completed.increment();
    }

    /** @param wallNow the wall clock as the result is emitted */
    void emitted(WindowResult<?> result, long wallNow) {
        metrics.windowResultEmitted(result.closed(), wallNow - result.end());
    }

    /** Records added or dead-lettered since the worker started. */
    long completed() {
        return completed.sum();
    }
}
