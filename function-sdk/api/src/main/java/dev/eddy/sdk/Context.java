package dev.eddy.sdk;

import java.time.Instant;

/**
 * The engine's side of one {@link Handler#handle} call: where emitted events go, which attempt this is and until
 * when it may run, and the function's {@link Environment}.
 *
 * <p>A context is valid only while the call that received it runs; emitting afterwards throws
 * {@link IllegalStateException}. It is safe to use from the handler's own thread only.
 */
public interface Context extends Environment {

    /**
     * Emits an event to the function's default output. The event's key picks the partition; its origin, if any,
     * is ignored. The engine counts the current input event as done only once every emit has been acknowledged.
     *
     * @throws IllegalStateException when the function has no default output, or the call has already returned
     */
    void emit(Event event);

    /**
     * Emits an event to the named output.
     *
     * @param output one of the output names the function was deployed with
     * @throws IllegalArgumentException when the function has no output of that name
     * @throws IllegalStateException    when the call has already returned
     */
    void emit(String output, Event event);

    /**
     * Emits a typed value derived from an input event: with that event's key, headers and origin.
     *
     * @throws CodecException when the output's codec cannot encode the value
     */
    default <T> void emit(Output<T> output, Event from, T value) {
        emit(output.name(), output.event(from, value));
    }

    /**
     * Emits a typed value under a key of its own.
     *
     * @param key the record key, UTF-8 encoded; null for none
     */
    default <T> void emit(Output<T> output, String key, T value) {
        emit(output.name(), output.event(key == null ? null : key.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                value));
    }

    /**
     * The state of the current event's key: what the handler declared in {@link Handler#state()}, for this key
     * only. What a call changes is kept only if the call succeeds.
     *
     * @throws IllegalStateException in a batch handler, whose events have many keys
     */
    KeyedState state();

    /** Which attempt at this event this call is: 1 the first time, 2 on the first retry, and so on. */
    int attempt();

    /**
     * When this call times out: the engine interrupts the handler then and counts the attempt as failed. A handler
     * calling out to another service can pass what is left on as that call's own timeout.
     */
    Instant deadline();
}
