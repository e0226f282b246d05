package dev.eddy.adapters.examples;

import dev.eddy.sdk.Codec;
import dev.eddy.sdk.Context;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.Output;
import dev.eddy.sdk.TypedHandler;
import dev.eddy.sdk.events.AdapterEvents;
import dev.eddy.sdk.events.RowChange;

// docs: begin
/** Says what happened to each order: "order 7 created", "order 7 updated: status shipped", "order 7 deleted". */
public final class OrderEvents implements TypedHandler<RowChange> {

    static final Output<String> EVENTS = Output.of(Codec.string());

    @Override
    public Codec<RowChange> input() {
        return AdapterEvents.rowChanges();
    }

    @Override
    public void handle(RowChange change, Event event, Context ctx) {
        String id = change.row().get("id");
        String said = switch (change.op()) {
            case "c", "r" -> "order " + id + " created";
            case "u" -> "order " + id + " updated: status " + change.after().get("status");
            case "d" -> "order " + id + " deleted";
            default -> "order " + id + " " + change.op();
        };
        ctx.emit(EVENTS, event, said);
    }
}
// docs: end
