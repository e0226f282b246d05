package dev.eddy.sdk;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What became of a batch: the events that failed, by their index in the batch, and why. Immutable.
 */
public final class BatchResult {

    private static final BatchResult SUCCESS = new BatchResult(Map.of());

    private final Map<Integer, Throwable> failures;

    private BatchResult(Map<Integer, Throwable> failures) {
        this.failures = failures;
    }

    /** Every event succeeded. */
    public static BatchResult success() {
        return SUCCESS;
    }

    /** The event at {@code index} failed for {@code reason}; the others succeeded. */
    public static BatchResult failed(int index, Throwable reason) {
        return SUCCESS.andFailed(index, reason);
    }

    /** A copy in which the event at {@code index} failed too. */
    public BatchResult andFailed(int index, Throwable reason) {
        if (index < 0) {
            throw new IllegalArgumentException("index must be >= 0, was " + index);
        }
        Objects.requireNonNull(reason, "reason");
        Map<Integer, Throwable> copy = new TreeMap<>(failures);
        copy.put(index, reason);
        return new BatchResult(Collections.unmodifiableMap(copy));
    }

    /** The failed events' reasons by index; empty when all succeeded. */
    public Map<Integer, Throwable> failures() {
        return failures;
    }

    public boolean allSucceeded() {
        return failures.isEmpty();
    }

    @Override
    public String toString() {
        return allSucceeded() ? "BatchResult{success}" : "BatchResult{failed=" + failures.keySet() + "}";
    }
}
