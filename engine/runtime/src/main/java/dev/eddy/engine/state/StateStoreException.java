package dev.eddy.engine.state;

import dev.eddy.engine.EddyException;

/** A state store could not be read or written: the call that needed it fails, and is tried again. */
public class StateStoreException extends EddyException {

    public StateStoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public StateStoreException(String message) {
        super(message);
    }
}
