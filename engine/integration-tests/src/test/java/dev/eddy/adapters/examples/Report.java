package dev.eddy.adapters.examples;

import dev.eddy.sdk.Codec;
import dev.eddy.sdk.Context;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.Output;
import dev.eddy.sdk.TypedHandler;
import dev.eddy.sdk.events.AdapterEvents;
import dev.eddy.sdk.events.TimerTick;

// docs: begin
/** Starts a report at each tick of its schedule. */
public final class Report implements TypedHandler<TimerTick> {

    static final Output<String> REPORTS = Output.of(Codec.string());

    @Override
    public Codec<TimerTick> input() {
        return AdapterEvents.timerTicks();
    }

    @Override
    public void handle(TimerTick tick, Event event, Context ctx) {
        ctx.emit(REPORTS, event, "report #" + tick.sequence() + " for " + tick.scheduledAt());
    }
}
// docs: end
