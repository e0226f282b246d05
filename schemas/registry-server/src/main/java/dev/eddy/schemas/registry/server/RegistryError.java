package dev.eddy.schemas.registry.server;

/** A refusal in the Confluent format: an HTTP status and an error code ({@code {"error_code": 40401, ...}}). */
final class RegistryError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final int code;

    RegistryError(int status, int code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    int status() {
        return status;
    }

    int code() {
        return code;
    }

    /** A number in a path ({@code versions/3}, {@code ids/7}); 42202 when it is none. */
    static int number(String text, String what) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new RegistryError(422, 42202, "the " + what + " '" + text + "' is not a number");
        }
    }
}
