package dev.eddy.sdk;

import java.util.List;

/**
 * A function: called once for each event that reaches one of the function's inputs.
 *
 * <p>A lambda is a valid handler:
 * <pre>{@code
 * Handler upper = (event, ctx) -> ctx.emit(event.withValue(event.valueAsString().toUpperCase()));
 * }</pre>
 *
 * <p>Threading: the engine may call {@code handle} for different events concurrently, each call on its own
 * (virtual) thread, so a handler keeps no mutable state of its own. Events of one partition are handed over in
 * order, one after the other.
 *
 * <p>Failure: a handler that throws fails that one event; the engine records the failure and goes on with the
 * other events. Nothing the handler emitted before throwing is withdrawn.
 */
@FunctionalInterface
public interface Handler extends Lifecycle {

    /**
     * Handles one event.
     *
     * @param event   the event, never null
     * @param context the engine's side of this call, valid only until this method returns; never null
     * @throws Exception to fail this event
     */
    void handle(Event event, Context context) throws Exception;

    /**
     * The keyed state the function keeps (see {@link Context#state()}); none unless overridden. The engine
     * prepares exactly these.
     */
    default List<StateSpec> state() {
        return List.of();
    }
}
