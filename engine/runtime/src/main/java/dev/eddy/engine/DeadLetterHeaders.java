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

    /**
     * The window a {@link FailureReason#LATE} event missed: {@code [start, end)} as ISO-8601 instants (a session:
     * {@code [start, end]}), several separated by a comma when a hopping window's event missed more than one.
     */
    public static final String WINDOW = PREFIX + "window";

    /** Exception messages longer than this are cut, so that a record still fits once its headers are added. */
    public static final int MAX_MESSAGE_CHARS = 2000;

    private DeadLetterHeaders() {
    }

    /**
     * Adds Eddy's dead-letter headers to a record's own.
     *
     * @param offset  where the record was read: topic, partition, offset (null when not known)
     * @param error   the last exception, or null
     * @param message what went wrong, cut here to {@link #MAX_MESSAGE_CHARS}
     */
    public static void add(org.apache.kafka.common.header.Headers headers, org.apache.kafka.common.TopicPartition
            partition, long offset, String function, String version, FailureReason reason, int attempts,
            Throwable error, String message, java.time.Instant firstFailure, java.time.Instant lastFailure) {
        String text = message == null ? "" : message;
        if (text.length() > MAX_MESSAGE_CHARS) {
            text = text.substring(0, MAX_MESSAGE_CHARS) + "…";
        }
        add(headers, SOURCE_TOPIC, partition == null ? "" : partition.topic());
        add(headers, SOURCE_PARTITION, partition == null ? "" : String.valueOf(partition.partition()));
        add(headers, SOURCE_OFFSET, partition == null ? "" : String.valueOf(offset));
        add(headers, FUNCTION, function);
        add(headers, FUNCTION_VERSION, version);
        add(headers, REASON, reason.name());
        add(headers, ATTEMPTS, String.valueOf(attempts));
        add(headers, EXCEPTION_CLASS, error == null ? "" : error.getClass().getName());
        add(headers, EXCEPTION_MESSAGE, text);
        add(headers, FIRST_FAILURE_TIME, firstFailure.toString());
        add(headers, LAST_FAILURE_TIME, lastFailure.toString());
    }

    /** Adds a header of UTF-8 text. */
    public static void add(org.apache.kafka.common.header.Headers headers, String name, String value) {
        headers.add(name, value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
