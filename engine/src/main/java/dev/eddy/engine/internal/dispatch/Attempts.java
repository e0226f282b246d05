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
    private final long firstFailureNanos;
    private Throwable lastError;

    /** @param nowMillis when the first attempt failed */
    Attempts(long nowMillis) {
        this.firstFailureMillis = nowMillis;
        this.firstFailureNanos = System.nanoTime();
    }

    void failed(long nowMillis, Throwable error) {
        count++;
        lastFailureMillis = nowMillis;
        lastError = error;
        if (count == 1) {
            firstFailureMillis = nowMillis;
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

    long nanosSinceFirstFailure() {
        return System.nanoTime() - firstFailureNanos;
    }

    Throwable lastError() {
        return lastError;
    }
}
