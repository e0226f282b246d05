package dev.eddy.engine.remote;

import dev.eddy.engine.EddyException;

/** A remote function failed an event, refused a request, or answered outside the protocol; the message says which. */
public final class RemoteFunctionException extends EddyException {

    public RemoteFunctionException(String message) {
        super(message);
    }

    public RemoteFunctionException(String message, Throwable cause) {
        super(message, cause);
    }
}
