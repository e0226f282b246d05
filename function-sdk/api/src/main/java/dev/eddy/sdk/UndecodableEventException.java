package dev.eddy.sdk;

/**
 * An input event whose key or value its function's codec cannot decode. It is not retried: the engine sends the
 * event to the function's dead-letter topic at once, with the reason {@code UNDECODABLE} and this message, and goes
 * on with the other events.
 */
public class UndecodableEventException extends CodecException {

    private static final long serialVersionUID = 1L;

    public UndecodableEventException(CodecException cause) {
        super(cause.codec(), "cannot decode the event: " + cause.getMessage().substring(cause.codec().length() + 2),
                cause.getCause());
    }
}
