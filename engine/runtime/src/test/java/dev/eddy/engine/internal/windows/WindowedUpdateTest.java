package dev.eddy.engine.internal.windows;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.engine.FunctionDefinition;
import dev.eddy.sdk.Codec;
import dev.eddy.sdk.window.Aggregate;
import dev.eddy.sdk.window.Window;
import dev.eddy.sdk.window.WindowedFunction;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class WindowedUpdateTest {

    private static final Window TEN_SECONDS = Window.tumbling(Duration.ofSeconds(10));

    private static FunctionDefinition windowed(Window window, Aggregate<byte[], ?> aggregate) {
        return FunctionDefinition.builder("stats").input("in").output("out")
                .windowed(WindowedFunction.of(Codec.bytes(), window, aggregate)).build();
    }

    @Test
    void aNewVersionTakesOverWindowsOfTheSameShapeAndAccumulator() {
        FunctionDefinition running = windowed(TEN_SECONDS, Aggregate.count());
        assertNull(WindowedUpdate.refusal(running, windowed(TEN_SECONDS.grace(Duration.ofSeconds(5))
                .emit(Window.Emit.UPDATES), Aggregate.count())), "the grace and the emit may change");
        String size = WindowedUpdate.refusal(running, windowed(Window.tumbling(Duration.ofSeconds(20)),
                Aggregate.count()));
        assertTrue(size != null && size.contains("tumbling PT10S") && size.contains("tumbling PT20S"), size);
        String accumulator = WindowedUpdate.refusal(running, windowed(TEN_SECONDS, Aggregate.stats(bytes -> 1)));
        assertTrue(accumulator != null && accumulator.contains("'long'") && accumulator.contains("'stats'"),
                accumulator);
        String kind = WindowedUpdate.refusal(running, FunctionDefinition.builder("stats").input("in").output("out")
                .handler((event, ctx) -> { }).build());
        assertTrue(kind != null && kind.contains("keeps its kind"), kind);
        assertNull(WindowedUpdate.refusal(FunctionDefinition.builder("f").input("in").handler((e, c) -> { }).build(),
                FunctionDefinition.builder("f").input("in").handler((e, c) -> { }).build()));
    }
}
