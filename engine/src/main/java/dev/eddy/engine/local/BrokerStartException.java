package dev.eddy.engine.local;

import dev.eddy.engine.EddyException;

/** The embedded broker could not be started; the message says why and where its log is. */
public final class BrokerStartException extends EddyException {

    public BrokerStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
