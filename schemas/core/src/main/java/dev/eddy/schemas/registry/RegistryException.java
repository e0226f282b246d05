package dev.eddy.schemas.registry;

/**
 * A schema registry refused a request or could not be reached. {@link #errorCode} is the registry's own (Confluent
 * API): 40401 subject not found, 40402 version not found, 40403 schema not found, 409 incompatible schema, 42201
 * invalid schema, 50001 store error; 0 when the registry could not be reached.
 */
public final class RegistryException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The subject does not exist. */
    public static final int SUBJECT_NOT_FOUND = 40401;
    /** The subject has no such version. */
    public static final int VERSION_NOT_FOUND = 40402;
    /** No schema has that id (or the subject has no such schema). */
    public static final int SCHEMA_NOT_FOUND = 40403;
    /** The schema breaks the subject's compatibility. */
    public static final int INCOMPATIBLE = 409;
    /** The schema does not parse. */
    public static final int INVALID_SCHEMA = 42201;
    /** The compatibility level is not one the registry knows. */
    public static final int INVALID_COMPATIBILITY = 42203;

    private final int status;
    private final int errorCode;

    public RegistryException(int status, int errorCode, String message) {
        super(message);
        this.status = status;
        this.errorCode = errorCode;
    }

    public RegistryException(String message, Throwable cause) {
        super(message, cause);
        this.status = 0;
        this.errorCode = 0;
    }

    /** The HTTP status, or 0 when there was no answer. */
    public int status() {
        return status;
    }

    public int errorCode() {
        return errorCode;
    }
}
