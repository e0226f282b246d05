package dev.eddy.sdk;

/**
 * The engine's side of one {@link Handler#handle} call: where emitted events go.
 *
 * <p>A context is valid only while the call that received it runs; using it afterwards throws
 * {@link IllegalStateException}. It is safe to use from the handler's own thread only.
 */
public interface Context {

    /** The name the function was deployed under. */
    String functionName();

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
}
