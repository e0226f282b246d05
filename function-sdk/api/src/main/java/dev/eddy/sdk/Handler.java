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
 * (virtual) thread, so a handler keeps no mutable state of its own. In the function's ordering: {@code KEY} (the
 * default) hands one key's events over in order, one after the other, and different keys' at once; {@code
 * PARTITION} one partition's in order; {@code UNORDERED} any at once.
 *
 * <p>Failure: a handler that throws fails that one event, which is tried again by the function's retry policy and
 * then dead-lettered; the engine goes on with the other events. What a failed attempt emitted stays emitted
 * (at-least-once) unless the function is {@code EXACTLY_ONCE}: then it is dropped, and only the attempt that
 * succeeds emits.
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
