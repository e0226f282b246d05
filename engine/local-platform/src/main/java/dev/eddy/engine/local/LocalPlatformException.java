package dev.eddy.engine.local;

/**
 * An error of the local platform (a broker that cannot start, a cluster laid out twice or not at all, a member that
 * does not start or stop in time). The command line shows its message as it shows an {@code EddyException}'s: this
 * module sits below the runtime, so it has its own root.
 */
public class LocalPlatformException extends RuntimeException {

    public LocalPlatformException(String message) {
        super(message);
    }

    public LocalPlatformException(String message, Throwable cause) {
        super(message, cause);
    }
}
