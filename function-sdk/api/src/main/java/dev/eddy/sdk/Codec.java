package dev.eddy.sdk;

import dev.eddy.sdk.spi.JsonBinding;
import java.util.Objects;

/**
 * How a function's values are turned into bytes and back: declared once, next to the handler or the output it
 * serves, so that handlers take and emit typed values rather than casting bytes by hand.
 *
 * <pre>{@code
 * Codec<Reading> readings = Codec.json(Reading.class);
 * }</pre>
 *
 * <p>A codec is stateless and safe to share between threads.
 *
 * @param <T> the type of the values
 */
public interface Codec<T> {

    /**
     * Encodes a value.
     *
     * @param value the value; null only if the codec says it accepts null
     * @return the bytes; null encodes as null (a Kafka tombstone)
     * @throws CodecException when the value cannot be encoded
     */
    byte[] encode(T value);

    /**
     * Decodes bytes.
     *
     * @param bytes the bytes, possibly null (a Kafka tombstone)
     * @return the value
     * @throws CodecException when the bytes are not a value of this codec, saying what was wrong
     */
    T decode(byte[] bytes);

    /**
     * Decodes an event's value, where the codec may look at the event's headers and key and at the function's
     * environment too: the adapter events' codecs ({@link dev.eddy.sdk.events.AdapterEvents}) read an Avro envelope
     * with the engine's schema registry, and an HTTP request's method and path from headers. A {@link TypedHandler}
     * decodes its input this way; by default it is {@link #decode(byte[])} of the value.
     *
     * @throws CodecException when the event is not a value of this codec, saying what was wrong
     */
    default T decode(Event event, Environment environment) {
        return decode(event.value());
    }

    /** A short name for error messages and the manifest ({@code bytes}, {@code string}, {@code json:Reading}). */
    String name();

    /**
     * The media type of the bytes ({@code application/json}), which an {@link Output} puts in the emitted record's
     * {@code content-type} header (the CloudEvents {@code datacontenttype}); null when the codec does not know it.
     */
    default String contentType() {
        return null;
    }

    /** The bytes as they are. */
    static Codec<byte[]> bytes() {
        return BuiltInCodecs.BYTES;
    }

    /** UTF-8 text; malformed input is refused rather than replaced. */
    static Codec<String> string() {
        return BuiltInCodecs.STRING;
    }

    /**
     * JSON bound to a Java type (a record, or a class with a no-argument constructor), by the JSON binding the
     * engine brings (Jackson); in unit tests {@code eddy-function-sdk-testing} brings the same one.
     *
     * @throws IllegalStateException when no JSON binding is on the class path
     */
    static <T> Codec<T> json(Class<T> type) {
        Objects.requireNonNull(type, "type");
        return JsonBinding.find().codec(type);
    }
}
