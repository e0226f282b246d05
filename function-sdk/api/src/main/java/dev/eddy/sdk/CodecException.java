package dev.eddy.sdk;

/**
 * A value that a {@link Codec} could not encode or bytes it could not decode. An input event that cannot be
 * decoded is not retried (the same bytes would fail again): the engine sends it to the function's dead-letter
 * topic with the reason {@code UNDECODABLE} and this message.
 */
public class CodecException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String codec;

    /**
     * @param codec  the codec's {@link Codec#name() name}
     * @param reason what was wrong with the value or the bytes
     * @param cause  the underlying error, or null
     */
    public CodecException(String codec, String reason, Throwable cause) {
        super(codec + ": " + reason, cause);
        this.codec = codec;
    }

    /** The name of the codec that failed. */
    public String codec() {
        return codec;
    }
}
