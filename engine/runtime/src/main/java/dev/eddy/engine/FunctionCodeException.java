package dev.eddy.engine;

/**
 * The function's own code failed as it was set up: its handler's constructor or its {@code open()} threw. The
 * function's fault, not the engine's: the admin API answers 422 with the cause, and retrying the same deploy fails
 * the same way.
 */
public final class FunctionCodeException extends EddyException {

    public FunctionCodeException(String message, Throwable cause) {
        super(message, cause);
    }
}
