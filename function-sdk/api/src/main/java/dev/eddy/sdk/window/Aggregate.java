package dev.eddy.sdk.window;

import dev.eddy.sdk.Codec;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.BinaryOperator;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * How a window's events add up: an empty accumulator, how one event's value is added to it, how two are merged
 * (session windows merge when an event joins two of them), and how the accumulator is kept between events (the
 * engine stores it in the window's state, not in the function).
 *
 * <p>Accumulators are values: {@link #add} and {@link #merge} return the new one and change neither argument.
 *
 * <pre>{@code
 * Aggregate.count()                              // how many events
 * Aggregate.stats(Reading::celsius)              // count, sum, min, max, avg of a number
 * Aggregate.of(() -> 0L, (n, r) -> n + r.bytes(), Long::sum, Aggregate.longCodec())
 * }</pre>
 *
 * @param <T> the type of the events' values
 * @param <A> the type of the accumulator
 */
public interface Aggregate<T, A> {

    /** The accumulator of a window with no events yet. */
    A initial();

    /** The accumulator with one more event's value added. */
    A add(A accumulator, T value);

    /**
     * Two windows' accumulators as one: needed by session windows only.
     *
     * @throws UnsupportedOperationException unless overridden
     */
    default A merge(A left, A right) {
        throw new UnsupportedOperationException("this aggregate cannot merge two windows' accumulators; session"
                + " windows need one that can (Aggregate.of with a merge function)");
    }

    /** Whether {@link #merge} is implemented. */
    default boolean merges() {
        return false;
    }

    /** How the accumulator is kept in the window's state. */
    Codec<A> codec();

    /** An aggregate from its parts. */
    static <T, A> Aggregate<T, A> of(Supplier<A> initial, BiFunction<A, T, A> add, BinaryOperator<A> merge,
            Codec<A> codec) {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(add, "add");
        Objects.requireNonNull(codec, "codec");
        return new Aggregate<>() {
            @Override
            public A initial() {
                return initial.get();
            }

            @Override
            public A add(A accumulator, T value) {
                return add.apply(accumulator, value);
            }

            @Override
            public A merge(A left, A right) {
                return merge == null ? Aggregate.super.merge(left, right) : merge.apply(left, right);
            }

            @Override
            public boolean merges() {
                return merge != null;
            }

            @Override
            public Codec<A> codec() {
                return codec;
            }
        };
    }

    /** The number of events. */
    static <T> Aggregate<T, Long> count() {
        return of(() -> 0L, (count, value) -> count + 1, Long::sum, AccumulatorCodecs.LONG);
    }

    /** The sum of a number taken from each event. */
    static <T> Aggregate<T, Double> sum(ToDoubleFunction<T> number) {
        Objects.requireNonNull(number, "number");
        return of(() -> 0.0, (sum, value) -> sum + number.applyAsDouble(value), Double::sum, AccumulatorCodecs.DOUBLE);
    }

    /** The count, sum, min, max and mean of a number taken from each event. */
    static <T> Aggregate<T, Stats> stats(ToDoubleFunction<T> number) {
        Objects.requireNonNull(number, "number");
        return of(() -> Stats.EMPTY, (stats, value) -> stats.plus(number.applyAsDouble(value)), Stats::merge,
                AccumulatorCodecs.STATS);
    }

    /** A long kept as 8 bytes, for accumulators of {@link #of}. */
    static Codec<Long> longCodec() {
        return AccumulatorCodecs.LONG;
    }

    /** A double kept as 8 bytes, for accumulators of {@link #of}. */
    static Codec<Double> doubleCodec() {
        return AccumulatorCodecs.DOUBLE;
    }
}
