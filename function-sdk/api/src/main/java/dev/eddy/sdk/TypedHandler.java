package dev.eddy.sdk;

/**
 * A handler of typed values: the engine decodes each event's value with the handler's {@link #input() codec}
 * before calling it, so {@link #handle(Object, Event, Context) handle} never sees null. An event that cannot be
 * decoded is not handed to the handler: it goes to the dead-letter topic as {@code UNDECODABLE}, and so does one
 * whose bytes decode as null (a JSON {@code null}). A tombstone — a record with a key and no value, as a compacted
 * topic or Debezium's delete writes — goes to {@link #tombstone(Event, Context) tombstone}, which passes it over
 * unless overridden.
 *
 * <pre>{@code
 * public final class Monitor implements TypedHandler<Reading> {
 *     static final Output<Alert> ALERTS = Output.named("alerts", Codec.json(Alert.class));
 *
 *     public Codec<Reading> input() { return Codec.json(Reading.class); }
 *
 *     public void handle(Reading reading, Event event, Context ctx) {
 *         if (reading.celsius() > 30) ctx.emit(ALERTS, event, new Alert(reading.device(), reading.celsius()));
 *     }
 * }
 * }</pre>
 *
 * @param <T> the type of the input values
 */
public interface TypedHandler<T> extends Handler {

    /** How the input events' values are decoded. */
    Codec<T> input();

    /**
     * Handles one decoded value.
     *
     * @param value   the decoded value, never null
     * @param event   the event it came from, for its key, headers and origin
     * @param context the engine's side of this call, valid only until this method returns
     * @throws Exception to fail this event
     */
    void handle(T value, Event event, Context context) throws Exception;

    /**
     * Handles a tombstone: an event with a key and no value (its {@link Event#value()} is null), which says that
     * the key was deleted. By default it is passed over: the event completes, and nothing is emitted.
     *
     * @param event   the tombstone, for its key, headers and origin
     * @param context the engine's side of this call, valid only until this method returns
     * @throws Exception to fail this event
     */
    default void tombstone(Event event, Context context) throws Exception {
    }

    @Override
    default void handle(Event event, Context context) throws Exception {
        if (event.value() == null) {
            tombstone(event, context);
            return;
        }
        T value;
        try {
            value = input().decode(event, context);
        } catch (CodecException e) {
            throw new UndecodableEventException(e);
        }
        if (value == null) {
            throw new UndecodableEventException(new CodecException(input().name(), "the value decodes as null (a JSON"
                    + " null?); only a tombstone, which has no value, may stand for nothing", null));
        }
        handle(value, event, context);
    }

    /** A typed handler from a codec and a lambda. */
    static <T> TypedHandler<T> of(Codec<T> input, Body<T> body) {
        return new TypedHandler<>() {
            @Override
            public Codec<T> input() {
                return input;
            }

            @Override
            public void handle(T value, Event event, Context context) throws Exception {
                body.handle(value, event, context);
            }
        };
    }

    /** The body of a typed handler, for {@link #of}. */
    @FunctionalInterface
    interface Body<T> {
        void handle(T value, Event event, Context context) throws Exception;
    }
}
