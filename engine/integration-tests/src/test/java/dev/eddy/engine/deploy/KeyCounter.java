package dev.eddy.engine.deploy;

import dev.eddy.sdk.Codec;
import dev.eddy.sdk.Context;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.Handler;
import dev.eddy.sdk.StateSpec;
import dev.eddy.sdk.ValueState;
import java.util.List;

/** A stateful function DeployIT packs into a jar: it counts each key's events in keyed state. */
public final class KeyCounter implements Handler {

    static final ValueState<String> COUNT = ValueState.named("count", Codec.string());

    @Override
    public List<StateSpec> state() {
        return List.of(COUNT);
    }

    @Override
    public void handle(Event event, Context context) {
        long count = context.state().get(COUNT).map(Long::parseLong).orElse(0L) + 1;
        context.state().set(COUNT, Long.toString(count));
    }
}
