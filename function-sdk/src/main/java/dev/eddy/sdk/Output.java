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
     * The event to emit for a value derived from an input event: the input's key, headers and origin, this value.
     *
     * @throws CodecException when the value cannot be encoded
     */
    public Event event(Event from, T value) {
        return from.withValue(codec.encode(value));
    }
}
