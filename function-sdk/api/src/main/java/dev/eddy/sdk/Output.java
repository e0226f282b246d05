package dev.eddy.sdk;

import java.util.Objects;

/**
 * A typed output of a function: its name (one of the outputs the function is deployed with, or
 * {@link #DEFAULT_NAME}) and the codec of the values emitted to it. Declared once, as a constant:
 *
 * <pre>{@code
 * static final Output<Alert> ALERTS = Output.named("alerts", Codec.json(Alert.class));
 * ...
 * ctx.emit(ALERTS, event, new Alert(reading.device(), reading.celsius()));
 * }</pre>
 *
 * @param name  the output's name; never null
 * @param codec how its values become bytes; never null
 * @param <T>   the type of its values
 */
public record Output<T>(String name, Codec<T> codec) {

    /** The name of the output that {@link Context#emit(Event)} goes to. */
    public static final String DEFAULT_NAME = "default";

    /** The header that names the media type of an event's value (the CloudEvents Kafka binding's). */
    public static final String CONTENT_TYPE = "content-type";

    public Output {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(codec, "codec");
    }

    /** An output named as in the function's manifest. */
    public static <T> Output<T> named(String name, Codec<T> codec) {
        return new Output<>(name, codec);
    }

    /** The function's default output. */
    public static <T> Output<T> of(Codec<T> codec) {
        return new Output<>(DEFAULT_NAME, codec);
    }

    /**
     * The event to emit for a value derived from an input event: the input's key, headers and origin, this value,
     * and the codec's {@link Codec#contentType() content type} in the {@code content-type} header.
     *
     * @throws CodecException when the value cannot be encoded
     */
    public Event event(Event from, T value) {
        return typed(from.withValue(codec.encode(value)));
    }

    /** The event to emit for a value under a key of its own (null for none). */
    public Event event(byte[] key, T value) {
        return typed(Event.of(key, codec.encode(value)));
    }

    private Event typed(Event event) {
        String contentType = codec.contentType();
        return contentType == null ? event : event.withHeaders(event.headers().replacing(Header.of(CONTENT_TYPE,
                contentType)));
    }
}
