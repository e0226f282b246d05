package dev.eddy.adapters.examples;

import dev.eddy.sdk.Codec;
import dev.eddy.sdk.Context;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.Output;
import dev.eddy.sdk.TypedHandler;
import dev.eddy.sdk.events.AdapterEvents;
import dev.eddy.sdk.events.LogLine;

// docs: begin
/** Passes on the log lines at ERROR or worse, as the logs adapter wrote them. */
public final class ErrorLines implements TypedHandler<LogLine> {

    static final Output<LogLine> ERRORS = Output.of(AdapterEvents.logLines());

    @Override
    public Codec<LogLine> input() {
        return AdapterEvents.logLines();
    }

    @Override
    public void handle(LogLine line, Event event, Context ctx) {
        if (line.level().equals("ERROR") || line.level().equals("FATAL")) {
            ctx.emit(ERRORS, event, line);
        }
    }
}
// docs: end
