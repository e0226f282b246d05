package dev.eddy.engine.local;

/** The embedded broker could not be started; the message says why and where its log is. */
public final class BrokerStartException extends LocalPlatformException {

    public BrokerStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
