package dev.eddy.sdk.window;

import dev.eddy.sdk.Codec;
import java.util.function.Function;

/**
 * A windowed function made of its parts ({@link WindowedFunction#of}); a null output or result keeps the
 * interface's default (each window as it is, as JSON).
 */
record ComposedWindowedFunction<T, A, R>(Codec<T> input, Window window, Aggregate<T, A> aggregate, Codec<R> output,
        Function<WindowResult<A>, R> result) implements WindowedFunction<T, A, R> {

    @Override
    public Codec<R> output() {
        return output != null ? output : WindowedFunction.super.output();
    }

    @Override
    public R result(WindowResult<A> closed) {
        return result != null ? result.apply(closed) : WindowedFunction.super.result(closed);
    }
}
