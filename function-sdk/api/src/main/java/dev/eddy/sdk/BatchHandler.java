package dev.eddy.sdk;

import java.util.List;

/**
 * A function that takes its events in batches: up to the function's batch size, gathered for at most its max
 * wait. Useful when a handler writes to a system that prefers bulk requests.
 *
 * <p>A batch holds the events of one lane in order, so the events of a key keep their order within it. The
 * handler reports which events failed; only those are tried again (one at a time, each in a batch of its own), and
 * only the events that must stay behind them wait. Throwing fails every event of the batch.
 *
 * <p>Emit events derived from the input events ({@code event.withValue(...)}): an emitted event that carries its
 * input's origin belongs to that input, and only its input's failure withdraws it (exactly-once) or its refusal
 * by Kafka dead-letters that input alone. An event built from scratch belongs to the whole batch. Typed values
 * come from {@link Event#value(Codec)}; in a batch, {@link Context#attempt()} is the highest attempt among its
 * events.
 */
@FunctionalInterface
public interface BatchHandler extends Lifecycle {

    /**
     * Handles a batch of events.
     *
     * @param events  the events, oldest first; never empty
     * @param context the engine's side of this call, valid only until this method returns
     * @return which events failed; {@link BatchResult#success()} when none did
     * @throws Exception to fail every event of the batch
     */
    BatchResult handle(List<Event> events, Context context) throws Exception;
}
