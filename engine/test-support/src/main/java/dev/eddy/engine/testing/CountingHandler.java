package dev.eddy.engine.testing;

import dev.eddy.sdk.Codec;
import dev.eddy.sdk.Context;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.Handler;
import dev.eddy.sdk.StateSpec;
import dev.eddy.sdk.ValueState;
import java.util.List;

/**
 * Counts the events of each key in keyed state, and emits {@code <key>=<count>} to the default output: after any
 * crash, the final counts must equal the records produced per key — one short is a lost update, one over an update
 * applied twice.
 */
public final class CountingHandler implements Handler {

    public static final ValueState<Long> COUNT = ValueState.named("count", Codec.json(Long.class));

    @Override
    public List<StateSpec> state() {
        return List.of(COUNT);
    }

    @Override
    public void handle(Event event, Context context) {
        long count = context.state().get(COUNT).orElse(0L) + 1;
        context.state().set(COUNT, count);
        context.emit(Event.of(event.keyAsString(), event.keyAsString() + "=" + count));
    }
}
