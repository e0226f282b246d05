package dev.eddy.engine;

/** A function definition has a field with a value that cannot work; the message names both and what is valid. */
public final class InvalidFunctionException extends EddyException {

    private final String field;

    public InvalidFunctionException(String field, Object value, String validValues) {
        super("Invalid function field '" + field + "' = " + (value == null ? "null" : "'" + value + "'") + ": "
                + validValues);
        this.field = field;
    }

    /** The field that was wrong. */
    public String field() {
        return field;
    }
}
