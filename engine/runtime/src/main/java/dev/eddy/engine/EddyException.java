package dev.eddy.engine;

/**
 * The root of every error Eddy raises itself. Subclasses say what kind of failure it was; callers decide what to
 * do by type, never by message.
 */
public class EddyException extends RuntimeException {

    public EddyException(String message) {
        super(message);
    }

    public EddyException(String message, Throwable cause) {
        super(message, cause);
    }
}
