package dev.eddy.schemas.serde;

/**
 * Bytes that are not a record in the Confluent wire format, each failure told apart by its {@link Reason} so that
 * a dead letter can say which it was.
 */
public final class SerdeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** What was wrong with the bytes. */
    public enum Reason {
        /** The first byte is not the wire format's 0: not framed by a schema registry serializer. */
        WRONG_MAGIC_BYTE,
        /** The schema id is one the registry does not know. */
        UNKNOWN_SCHEMA_ID,
        /** The bytes end before the header or the record does. */
        TRUNCATED,
        /** The bytes do not decode with the writer's schema (or have bytes left after the record). */
        MALFORMED,
        /** A record could not be written: its schema could not be registered, or it does not fit its schema. */
        UNWRITABLE
    }

    private final Reason reason;

    public SerdeException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public SerdeException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
