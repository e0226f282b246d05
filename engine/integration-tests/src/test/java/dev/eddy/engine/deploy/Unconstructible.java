package dev.eddy.engine.deploy;

import dev.eddy.sdk.Context;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.Handler;

/** A handler whose constructor throws, for DeployIT: the deploy is the function's fault. */
public final class Unconstructible implements Handler {

    public Unconstructible() {
        throw new IllegalStateException("no database configured");
    }

    @Override
    public void handle(Event event, Context context) {
    }
}
