package dev.eddy.engine.testing;

import dev.eddy.sdk.Context;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.Handler;

/** Emits every event unchanged to the default output: what came out can be counted against what went in. */
public final class CopyHandler implements Handler {

    @Override
    public void handle(Event event, Context context) {
        context.emit(event);
    }
}
