package dev.eddy.sdk.window;

import dev.eddy.sdk.Codec;
import dev.eddy.sdk.Lifecycle;
import java.util.Objects;
import java.util.function.Function;

/**
 * A function that aggregates each key's events over windows of event time and emits one result per window and key:
 * each device's min/avg/max per minute, errors per service per 10 s, a user's session. The engine keeps the windows
 * (in Kafka Streams' window and session stores, exactly once by default), closes them on time, emits their results
 * to the function's default output, and dead-letters late events; the function only says how events add up.
 *
 * <pre>{@code
 * public final class DeviceStats implements WindowedFunction<Reading, Stats, WindowResult<Stats>> {
 *     public Codec<Reading> input() { return Codec.json(Reading.class); }
 *     public Window window() { return Window.tumbling(Duration.ofSeconds(10)).grace(Duration.ofSeconds(2)); }
 *     public Aggregate<Reading, Stats> aggregate() { return Aggregate.stats(Reading::celsius); }
 * }
 * }</pre>
 * or, as a value: {@code WindowedFunction.of(Codec.json(Reading.class), window, Aggregate.stats(Reading::celsius))}.
 *
 * <p>Events are grouped by their record key as it is: the input must be keyed by what is aggregated (Eddy's
 * adapters key readings by device), and one key's events must be in one partition. An event with no key, or whose
 * value the input codec cannot decode, goes to the dead-letter topic ({@code UNDECODABLE}).
 *
 * <p>The methods are called from the engine's stream threads, several at once: they keep no mutable state.
 *
 * @param <T> the type of the events' values
 * @param <A> the type of the accumulator
 * @param <R> the type of the emitted results
 */
public interface WindowedFunction<T, A, R> extends Lifecycle {

    /** How the events' values are decoded. */
    Codec<T> input();

    /**
     * The windows; the manifest's {@code window.*} fields, where given, take its place (so that the grace can be
     * tuned without a new build). Null: the manifest's alone.
     */
    default Window window() {
        return null;
    }

    /** How a window's events add up. */
    Aggregate<T, A> aggregate();

    /** How results are encoded; by default as JSON (the engine and the test kit bring a JSON binding). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    default Codec<R> output() {
        return (Codec<R>) (Codec) Codec.json(WindowResult.class);
    }

    /** What is emitted for a window; by default the window itself (key, start, end, value, closed). */
    @SuppressWarnings("unchecked")
    default R result(WindowResult<A> window) {
        return (R) window;
    }

    /** A windowed function emitting each window as it is, as JSON. */
    static <T, A> WindowedFunction<T, A, WindowResult<A>> of(Codec<T> input, Window window,
            Aggregate<T, A> aggregate) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(aggregate, "aggregate");
        return new ComposedWindowedFunction<>(input, window, aggregate, null, null);
    }

    /** A windowed function emitting what {@code result} makes of each window, encoded by {@code output}. */
    static <T, A, R> WindowedFunction<T, A, R> of(Codec<T> input, Window window, Aggregate<T, A> aggregate,
            Codec<R> output, Function<WindowResult<A>, R> result) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(aggregate, "aggregate");
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(result, "result");
        return new ComposedWindowedFunction<>(input, window, aggregate, output, result);
    }
}
