package dev.eddy.engine.deploy;

import dev.eddy.sdk.Context;
import dev.eddy.sdk.Environment;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.Handler;

/** The function DeployIT packs into jars: it prefixes each value with its config's {@code prefix}. */
public final class Prefixer implements Handler {

    private String prefix;

    @Override
    public void open(Environment environment) {
        prefix = environment.config().string("prefix");
    }

    @Override
    public void handle(Event event, Context context) {
        context.emit(event.withValue(prefix + ":" + event.valueAsString()));
    }
}
