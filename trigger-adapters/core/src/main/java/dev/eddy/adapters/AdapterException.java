package dev.eddy.adapters;

/**
 * An adapter cannot start or go on: a bad setting (saying which, the value, and what would be valid), or a source or
 * Kafka it cannot reach. Its message is meant for the operator as it is.
 */
public class AdapterException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public AdapterException(String message) {
        super(message);
    }

    public AdapterException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A setting that is missing or wrong. */
    public static AdapterException invalid(String path, Object value, String valid) {
        return new AdapterException(value == null ? "'" + path + "' is missing: give " + valid
                : "'" + path + "' is " + describe(value) + ": it must be " + valid);
    }

    private static String describe(Object value) {
        String text = String.valueOf(value).replaceAll("\\p{Cntrl}", "?");
        return value instanceof String ? "'" + text + "'" : text;
    }
}
