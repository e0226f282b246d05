package dev.eddy.engine.testing;

import dev.eddy.sdk.Codec;
import dev.eddy.sdk.CodecException;
import dev.eddy.sdk.window.Aggregate;
import dev.eddy.sdk.window.Stats;
import dev.eddy.sdk.window.Window;
import dev.eddy.sdk.window.WindowResult;
import dev.eddy.sdk.window.WindowedFunction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A windowed function for tests: each key's count, sum, min, max and mean of its readings (values are numbers as
 * decimal text) per {@link #SIZE} of event time, with {@link #GRACE} for readings out of order; each window emitted as
 * JSON.
 */
public final class ReadingStats implements WindowedFunction<Double, Stats, WindowResult<Stats>> {

    public static final Duration SIZE = Duration.ofSeconds(10);
    public static final Duration GRACE = Duration.ofSeconds(5);

    /** Numbers as decimal text. */
    public static final Codec<Double> NUMBER = new Codec<>() {
        @Override
        public byte[] encode(Double value) {
            return Double.toString(value).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public Double decode(byte[] bytes) {
            String text = bytes == null ? "null" : new String(bytes, StandardCharsets.UTF_8);
            try {
                return Double.parseDouble(text);
            } catch (NumberFormatException e) {
                throw new CodecException("number", "'" + text + "' is not a number", e);
            }
        }

        @Override
        public String name() {
            return "number";
        }
    };

    @Override
    public Codec<Double> input() {
        return NUMBER;
    }

    @Override
    public Window window() {
        return Window.tumbling(SIZE).grace(GRACE);
    }

    @Override
    public Aggregate<Double, Stats> aggregate() {
        return Aggregate.stats(Double::doubleValue);
    }
}
