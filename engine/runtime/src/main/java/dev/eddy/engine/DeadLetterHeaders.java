package dev.eddy.engine;

/**
 * The headers Eddy adds to a record it writes to a dead-letter topic, after the record's own headers. Times are
 * ISO-8601 instants; numbers are decimal text; every value is UTF-8.
 */
public final class DeadLetterHeaders {

    public static final String PREFIX = "eddy.dlq.";
    /** The topic the record was read from. */
    public static final String SOURCE_TOPIC = PREFIX + "source.topic";
    /** The partition it was read from. */
    public static final String SOURCE_PARTITION = PREFIX + "source.partition";
    /** Its offset there. */
    public static final String SOURCE_OFFSET = PREFIX + "source.offset";
    /** The function that failed on it. */
    public static final String FUNCTION = PREFIX + "function";
    /** The version of that function. */
    public static final String FUNCTION_VERSION = PREFIX + "function.version";
    /** A {@link FailureReason}. */
    public static final String REASON = PREFIX + "reason";
    /** How many times the handler was called on it. */
    public static final String ATTEMPTS = PREFIX + "attempts";
    /** The class of the last exception. */
    public static final String EXCEPTION_CLASS = PREFIX + "exception.class";
    /** The message of the last exception, cut to {@link #MAX_MESSAGE_CHARS} characters. */
    public static final String EXCEPTION_MESSAGE = PREFIX + "exception.message";
    /** When the first attempt failed. */
    public static final String FIRST_FAILURE_TIME = PREFIX + "first.failure.time";
    /** When the last attempt failed. */
    public static final String LAST_FAILURE_TIME = PREFIX + "last.failure.time";

    /** Exception messages longer than this are cut, so that a record still fits once its headers are added. */
    public static final int MAX_MESSAGE_CHARS = 2000;

    private DeadLetterHeaders() {
    }
}
