package dev.eddy.engine;

/** Why a record went to the dead-letter topic; the value of its {@code eddy.dlq.reason} header. */
public enum FailureReason {
    /** The handler threw on every attempt the retry policy allowed. */
    HANDLER_FAILED,
    /** The handler did not return within the function's timeout, on every attempt allowed. */
    TIMED_OUT,
    /** The function's codec could not decode the record's key or value; it was not retried. */
    UNDECODABLE,
    /** Kafka refused a record the handler emitted, for a reason no retry can change (too large, invalid). */
    OUTPUT_REFUSED,
    /**
     * A windowed function's event came after its window had closed (past the window's grace); the dead letter's
     * {@code eddy.dlq.window} header names the window it missed.
     */
    LATE
}
