package dev.eddy.engine.internal.dispatch;

/**
 * The failed attempts at one record: how many, when the first and last failed, and the last error.
 *
 * <p>Threading: used by one lane at a time.
 */
final class Attempts {

    private int count;
    private long firstFailureMillis;
    private long lastFailureMillis;
    private long firstFailureNanos;
    private Throwable lastError;

    void failed(long nowMillis, long nowNanos, Throwable error) {
        count++;
        lastFailureMillis = nowMillis;
        lastError = error;
        if (count == 1) {
            firstFailureMillis = nowMillis;
            firstFailureNanos = nowNanos;
        }
    }

    int count() {
        return count;
    }

    long firstFailureMillis() {
        return firstFailureMillis;
    }

    long lastFailureMillis() {
        return lastFailureMillis;
    }

    long nanosSinceFirstFailure(long nowNanos) {
        return nowNanos - firstFailureNanos;
    }

    Throwable lastError() {
        return lastError;
    }
}
