package dev.eddy.engine.state;

/**
 * A write was refused because the key's state changed since it was read: a record of the same key from another
 * partition, handled at the same time here or on another engine, wrote it first. The state is read again and the
 * call made again on it; nothing was written.
 */
public final class StateConflictException extends StateStoreException {

    public StateConflictException(String function, String key, long expected) {
        super("Function '" + function + "': the state of key '" + key + "' changed since it was read (at version "
                + expected + ")");
    }
}
