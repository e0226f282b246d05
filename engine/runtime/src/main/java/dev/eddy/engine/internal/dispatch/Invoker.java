package dev.eddy.engine.internal.dispatch;

import dev.eddy.engine.Delivery;
import dev.eddy.engine.FailureReason;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.StateBackend;
import dev.eddy.engine.state.KeyLocks;
import dev.eddy.engine.state.KeyState;
import dev.eddy.engine.state.KeyedStore;
import dev.eddy.engine.state.StateConflictException;
import dev.eddy.engine.state.StateMetrics;
import dev.eddy.observability.Tracing;
import dev.eddy.sdk.BatchHandler;
import dev.eddy.sdk.BatchResult;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.Handler;
import dev.eddy.sdk.StateSpec;
import dev.eddy.sdk.runtime.CallState;
import io.opentelemetry.api.trace.Tracer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;

/**
 * Calls a function's handler, for one record or a batch, in a lane's {@link CallContext}: the context collects what
 * the call emits and sends it through the {@link EmitCollector}. A function with keyed state has its key's state
 * loaded before the call and saved after it (see {@link #callWithState}). The invoker also keeps the moving average
 * of the calls' duration, from which the key lanes choose how to dispatch (see {@link KeyLanes}).
 *
 * <p>Threading: {@link #call} runs on a lane's thread, for different lanes concurrently; the average is written by
 * whichever lane timed a call.
 */
final class Invoker {

    /** Calls faster than this on average do not wait on anything worth more concurrency than the partitions'. */
    static final long FAST_CALL_NANOS = 10_000;
    /** The most times a stateful call is made when its key's state keeps changing under it. */
    static final int MAX_CONFLICTS = 5;
    /** The least time between two slices of calls that are timed. */
    static final long TIMED_SLICE_INTERVAL_NANOS = 100_000;
    /** The most times a call whose held-back write was refused is made again (each up to MAX_CONFLICTS rounds). */
    private static final int MAX_REMAKES = 20;

    private final String function;
    private final Handler handler;
    private final BatchHandler batchHandler;
    private final Map<String, String> outputs;
    private final Producer<byte[], byte[]> producer;
    private final FunctionMetrics metrics;
    private final FunctionEnvironment environment;
    private final EmitCollector emits;
    private final Tracer tracer;
    /**
     * Whether a call's emits wait until it returns (exactly-once: a failed attempt must leave nothing in the
     * transaction) rather than go out at once (at-least-once: lower latency, and a retry may repeat them anyway).
     */
    private final boolean buffered;
    /**
     * A moving average of the timed calls' duration per record; until the first is timed, calls count as slow.
     * Written by whichever thread timed a call: a lost update only loses one sample.
     */
    private volatile double averageCallNanos = Double.NaN;
    private final DeadLetters deadLetters;
    /** Where the function's keyed state is kept; null for a function that declares none. */
    private final KeyedStore stateStore;
    private final StateMetrics stateMetrics;
    private final Set<String> declaredState;
    /**
     * The Kafka store keeps the state of the one input topic's partitions: a replayed record (from the replay
     * topic) goes back to that topic, to the partition its key's state is with. Null for other stores.
     */
    private final String stateInput;
    private final String replayTopic;
    /** Turns for the calls of one key, in a store whose writes can conflict; null for other stores. */
    private final KeyLocks keyLocks;
    /** When the next slice may be timed; written by the lanes that time one. */
    private volatile long nextTimedSlice = Long.MIN_VALUE / 2;
    /** At-least-once, and a store that holds a state write back until the call's emits are acknowledged. */
    private final boolean deferredWrites;
    private final Ticker ticker;
    /** The wall clock of the ticker, for state expiry. */
    private final Clock clock;

    /** @param stateStore the function's state store, or null when it declares no state */
    Invoker(FunctionEnvironment environment, Producer<byte[], byte[]> producer, FunctionMetrics metrics,
            DeadLetters deadLetters, KeyedStore stateStore, StateMetrics stateMetrics) {
        FunctionDefinition definition = environment.definition();
        this.environment = environment;
        this.ticker = environment.ticker();
        this.clock = ticker.clock();
        this.function = definition.name();
        this.handler = definition.handler();
        this.batchHandler = definition.batchHandler();
        this.outputs = definition.outputs();
        this.producer = producer;
        this.metrics = metrics;
        this.emits = new EmitCollector(definition, producer, metrics, deadLetters);
        this.deadLetters = deadLetters;
        this.buffered = definition.delivery() == Delivery.EXACTLY_ONCE;
        this.stateStore = stateStore;
        this.stateMetrics = stateMetrics;
        this.declaredState = definition.state().stream().map(StateSpec::name).collect(Collectors.toUnmodifiableSet());
        this.stateInput = stateStore != null && definition.stateStore() instanceof StateBackend.Kafka
                ? definition.inputs().get(0) : null;
        this.replayTopic = definition.replayTopic();
        this.deferredWrites = !buffered && stateStore != null && stateStore.defersWrites();
        this.keyLocks = stateStore != null ? stateStore.keyLocks() : null;
        this.tracer = environment.telemetry().tracing().tracer();
    }

    /**
     * Learns where the outputs and the dead-letter topic live before the first record, and finds a missing one
     * now, not mid-stream.
     *
     * @throws dev.eddy.engine.EddyException naming the output and its topic
     */
    void checkOutputs(String deadLetterTopic) {
        Map<String, String> topics = new java.util.LinkedHashMap<>(outputs);
        topics.put("dead letters", deadLetterTopic);
        for (Map.Entry<String, String> output : topics.entrySet()) {
            try {
                producer.partitionsFor(output.getValue());
            } catch (org.apache.kafka.common.KafkaException e) {
                throw new dev.eddy.engine.EddyException("Function '" + function + "' cannot start: its output '"
                        + output.getKey() + "' goes to topic '" + output.getValue() + "', which Kafka does not know"
                        + " (create the topic first): " + e.getMessage(), e);
            }
        }
    }

    /** Whether the function takes its records in batches. */
    boolean batches() {
        return batchHandler != null;
    }

    /**
     * A context for one lane's calls, reused call after call.
     *
     * @param watchedNanos how long the lane's current call has run as its watchdog counts it (0 until it has seen
     *                     the call): the deadline is reckoned from it, so that a call reads no clock
     */
    CallContext newContext(LongSupplier watchedNanos) {
        return new CallContext(environment, emits, buffered, stateStore != null && !buffered, tracer,
                new UsageMeter(ticker, metrics, this::callsAreFast), watchedNanos);
    }

    /**
     * Calls the handler once for one record: the common path, kept free of allocation beyond the event.
     *
     * @param timed whether to time this call for the latency histogram
     * @return what the handler threw, or null
     */
    Throwable call(Chunk chunk, ConsumerRecord<byte[], byte[]> record, CallContext context, boolean timed) {
        if (batchHandler != null) {
            Throwable[] failures = call(List.of(chunk), List.of(record), context, timed);
            return failures == null ? null : failures[0];
        }
        long start = 0;
        if (timed) {
            start = ticker.nanoTime();
            metrics.handlerStarted(record.timestamp(), ticker.millis());
        }
        context.open(chunk, record);
        if (Tracing.carriesTrace(record.headers())) {
            context.startSpan(record);
        }
        Throwable failure = null;
        try {
            if (stateStore != null) {
                callWithState(chunk, record, context);
                return null;
            }
            handler.handle(KafkaEvents.toEvent(record), context);
            context.flush(null);
            return null;
        } catch (Throwable e) {
            failure = e;
            context.logger.failed(e);
            return e;
        } finally {
            context.endSpan(failure);
            context.close();
            context.usage.billed();
            if (timed) {
                timed(ticker.nanoTime() - start, 1);
            }
        }
    }

    /**
     * Calls the batch handler once for the records.
     *
     * @param chunks each record's chunk
     * @return what failed, by record, or null when every record succeeded
     */
    Throwable[] call(List<Chunk> chunks, List<ConsumerRecord<byte[], byte[]>> records, CallContext context,
            boolean timed) {
        long start = 0;
        if (timed) {
            start = ticker.nanoTime();
            metrics.handlerStarted(records.get(0).timestamp(), ticker.millis()); // the batch's oldest
        }
        context.open(chunks, records);
        Throwable[] failures;
        try {
            List<Event> events = new ArrayList<>(records.size());
            for (ConsumerRecord<byte[], byte[]> record : records) {
                events.add(KafkaEvents.toEvent(record));
            }
            failures = context.flush(failures(batchHandler.handle(events, context), records.size()));
        } catch (Throwable e) {
            failures = new Throwable[records.size()];
            Arrays.fill(failures, e);
            context.logger.failed(e);
        } finally {
            context.close();
            context.usage.billed(); // a batch is one invocation
            if (timed) {
                timed(ticker.nanoTime() - start, records.size());
            }
        }
        return failures;
    }

    /**
     * One call of a function with keyed state: the key's state is loaded, the handler runs on it, and what it
     * changed is saved — after its emits are acknowledged (at-least-once: a record whose state is saved is not
     * handled again, so its outputs must be in Kafka first), in the same transaction as them (exactly-once). A
     * record whose changes the state holds already (delivered again after a crash) is not handled again.
     * At-least-once, the store holds the write back until then, and the key's next call goes on meanwhile.
     *
     * <p>In a store that others share, this engine's calls of one key take turns, whichever worker runs them
     * ({@link KeyLocks}); a write that another engine's call of the same key beat is refused, and the call is made
     * again on the state that won (its emits, already acknowledged, go out again: at-least-once) — at once when the
     * write was made before returning, else by the store ({@link #callAgain}).
     */
    private void callWithState(Chunk chunk, ConsumerRecord<byte[], byte[]> record, CallContext context)
            throws Exception {
        String key = CallState.storeKey(record.key());
        if (key == null) {
            context.keyed = new CallState(null, declaredState, function, clock, null);
            handler.handle(KafkaEvents.toEvent(record), context);
            context.flush(null);
            return;
        }
        if (stateInput != null && record.topic().equals(replayTopic)) {
            context.forward(stateInput);
            return;
        }
        if (keyLocks == null) {
            callWithState(chunk, record, key, context);
            return;
        }
        ReentrantLock turn = keyLocks.of(key);
        turn.lockInterruptibly();
        try {
            for (int attempt = 1; ; attempt++) {
                try {
                    callWithState(chunk, record, key, context);
                    return;
                } catch (StateConflictException e) {
                    if (attempt == MAX_CONFLICTS) {
                        throw e; // a failed call: retried as the function's retry policy says
                    }
                    stateMetrics.conflict();
                    context.again();
                }
            }
        } finally {
            turn.unlock();
        }
    }

    /** Loads the key's state, calls the handler on it unless it holds the record already, and saves it. */
    private void callWithState(Chunk chunk, ConsumerRecord<byte[], byte[]> record, String key, CallContext context)
            throws Exception {
        Source source = source(record);
        KeyState loaded = stateStore.load(source.partition(), key);
        if (loaded.covers(source.fence(), record.offset())) {
            stateMetrics.replaySkipped();
            return;
        }
        CallState state = new CallState(loaded, declaredState, function, clock, key);
        context.keyed = state;
        context.countsEmits = deferredWrites;
        handler.handle(KafkaEvents.toEvent(record), context);
        context.flush(null);
        if (!state.hasChanges()) {
            return;
        }
        KeyState next = loaded.copy();
        state.commitTo(next);
        next.dropExpired(clock.millis());
        next.fence(source.fence(), record.offset());
        if (deferredWrites) {
            // The store holds the write back until the outputs are acknowledged; the key goes on meanwhile. Only a
            // store others share (keyLocks) can refuse it and ask for the call again.
            EmitCollector.EmitsAcked acked = context.acked;
            context.saved(stateStore.save(source.partition(), key, record.key(), next,
                    acked == null ? null : acked.sealed(), keyLocks == null ? null : () -> callAgain(chunk, record)));
            return;
        }
        if (!context.awaitSends()) {
            return; // an emit was refused: the record went to the dead-letter topic (or the function stops)
        }
        context.saved(stateStore.save(source.partition(), key, record.key(), next, null, null));
    }

    /**
     * Makes a call again whose held-back state write was refused (another engine wrote the key meanwhile), on the
     * state that won, on the store's thread that holds the key: its emits go out again (at-least-once) and its state
     * is written before it returns. While the other engine keeps winning, the call is made again after a pause of
     * up to a few milliseconds, growing, {@value #MAX_REMAKES} times at most; a call that fails otherwise, or
     * still loses, goes to the dead-letter topic at once: the record was done as far as its lane knew, and its
     * retries are not to hold the key.
     */
    private void callAgain(Chunk chunk, ConsumerRecord<byte[], byte[]> record) throws InterruptedException {
        Throwable failure = null;
        for (int attempt = 1; attempt <= MAX_REMAKES; attempt++) {
            stateMetrics.conflict();
            failure = call(chunk, record, newContext(() -> 0L), false);
            if (!(failure instanceof StateConflictException)) {
                break;
            }
            ticker.pause(TimeUnit.MICROSECONDS.toNanos(
                    java.util.concurrent.ThreadLocalRandom.current().nextLong(500L * attempt)));
        }
        if (failure != null) {
            Attempts attempts = new Attempts();
            attempts.failed(clock.millis(), ticker.nanoTime(), failure);
            deadLetters.send(chunk, record, attempts, failure instanceof HandlerTimeoutException
                    ? FailureReason.TIMED_OUT : FailureReason.HANDLER_FAILED);
        }
    }

    /** A record's partition, and its name as fences record it: made once per partition, not per record. */
    private record Source(TopicPartition partition, String fence) {
    }

    /** Each partition's source, made once. */
    private final PartitionCache<Source> sources = new PartitionCache<>((topic, partition) ->
            new Source(new TopicPartition(topic, partition), KeyState.source(topic, partition)));

    private Source source(ConsumerRecord<byte[], byte[]> record) {
        return sources.get(record.topic(), record.partition());
    }

    private void timed(long nanos, int records) {
        metrics.handlerDuration.record(nanos, TimeUnit.NANOSECONDS);
        double perRecord = (double) nanos / records;
        double average = averageCallNanos;
        // A long call (a garbage-collection pause, most often) counts as at most 16 times the average (or the fast
        // bound): calls that really became slower show after a few more calls, and one pause does not flip the
        // dispatch mode.
        averageCallNanos = Double.isNaN(average) ? perRecord
                : average + (Math.min(perRecord, Math.max(16 * average, FAST_CALL_NANOS)) - average) / 16;
    }

    private static Throwable[] failures(BatchResult result, int size) {
        if (result == null || result.allSucceeded()) {
            return null;
        }
        Throwable[] failures = new Throwable[size];
        for (Map.Entry<Integer, Throwable> failure : result.failures().entrySet()) {
            if (failure.getKey() >= size) {
                throw new IllegalArgumentException("The batch handler reported event " + failure.getKey()
                        + " as failed, in a batch of " + size);
            }
            failures[failure.getKey()] = failure.getValue();
        }
        return failures;
    }

    /**
     * Whether a slice of calls starting now is timed: one at most every {@value #TIMED_SLICE_INTERVAL_NANOS} ns over
     * all the function's lanes (under load, timing every slice costs more than trivial calls, and as much as a
     * waiting call's own dispatch). Lanes race on it harmlessly: two may time slices at once.
     */
    boolean timesSlice(long nowNanos) {
        if (nowNanos - nextTimedSlice < 0) {
            return false;
        }
        nextTimedSlice = nowNanos + TIMED_SLICE_INTERVAL_NANOS;
        return true;
    }

    /** The handler's time per record, a moving average in nanoseconds; NaN before any call was timed. */
    double averageCallNanos() {
        return averageCallNanos;
    }

    /** Whether the function's calls have been fast lately (see {@link KeyLanes}); false before any is timed. */
    boolean callsAreFast() {
        return averageCallNanos < FAST_CALL_NANOS;
    }
}
