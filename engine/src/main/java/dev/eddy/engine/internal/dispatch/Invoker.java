package dev.eddy.engine.internal.dispatch;

import dev.eddy.engine.CloudEventsMode;
import dev.eddy.engine.Delivery;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.StateBackend;
import dev.eddy.engine.state.KeyState;
import dev.eddy.engine.state.KeyedStore;
import dev.eddy.engine.state.StateMetrics;
import dev.eddy.engine.telemetry.FunctionLogger;
import dev.eddy.observability.Tracing;
import dev.eddy.sdk.BatchHandler;
import dev.eddy.sdk.BatchResult;
import dev.eddy.sdk.Context;
import dev.eddy.sdk.Environment;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.Handler;
import dev.eddy.sdk.KeyedState;
import dev.eddy.sdk.Origin;
import dev.eddy.sdk.StateSpec;
import dev.eddy.sdk.spi.CallState;
import dev.eddy.sdk.spi.ForwardingEnvironment;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;

/**
 * Calls a function's handler, for one record or a batch, and sends what it emits. Each emit belongs to an input
 * record (for a batch, the one whose origin the emitted event carries, else the whole batch): if Kafka refuses it
 * for good (too large, invalid), that input goes to the dead-letter topic; if Kafka cannot be reached within the
 * producer's delivery timeout, the input's chunk is marked failed, so that its offset is never committed and the
 * function stops.
 *
 * <p>Threading: {@link #call} runs on a lane's thread, for different lanes concurrently.
 */
final class Invoker {

    private static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
    private static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    private static final AttributeKey<Long> PARTITION = AttributeKey.longKey("messaging.destination.partition.id");
    private static final AttributeKey<Long> OFFSET = AttributeKey.longKey("messaging.kafka.offset");
    private static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("eddy.attempt");

    /** How many calls of a fast function are timed together for usage (see CallContext). */
    private static final int BILLING_GROUP = 16;

    /** Calls faster than this on average do not wait on anything worth more concurrency than the partitions'. */
    static final long FAST_CALL_NANOS = 10_000;

    private final String function;
    private final Handler handler;
    private final BatchHandler batchHandler;
    private final Map<String, String> outputs;
    private final String defaultTopic;
    private final Producer<byte[], byte[]> producer;
    private final FunctionMetrics metrics;
    private final DeadLetters deadLetters;
    private final FunctionEnvironment environment;
    private final Tracer tracer;
    private final String spanName;
    private final long timeoutNanos;
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
    /** At-least-once, and a store that holds a state write back until the call's emits are acknowledged. */
    private final boolean deferredWrites;
    private final Ticker ticker;
    /** The wall clock of the ticker, for state expiry. */
    private final Clock clock;
    /** Stamps emitted records as CloudEvents; null when the function is told not to. */
    private final CloudEventHeaders cloudEvents;

    /** @param stateStore the function's state store, or null when it declares no state */
    Invoker(FunctionEnvironment environment, Producer<byte[], byte[]> producer, FunctionMetrics metrics,
            DeadLetters deadLetters, KeyedStore stateStore, StateMetrics stateMetrics) {
        FunctionDefinition definition = environment.definition();
        this.environment = environment;
        this.ticker = environment.ticker();
        this.clock = ticker.clock();
        this.timeoutNanos = definition.timeout().toNanos();
        this.function = definition.name();
        this.handler = definition.handler();
        this.batchHandler = definition.batchHandler();
        this.outputs = definition.outputs();
        this.defaultTopic = outputs.get(FunctionDefinition.DEFAULT_OUTPUT);
        this.producer = producer;
        this.metrics = metrics;
        this.deadLetters = deadLetters;
        this.buffered = definition.delivery() == Delivery.EXACTLY_ONCE;
        this.stateStore = stateStore;
        this.stateMetrics = stateMetrics;
        this.declaredState = definition.state().stream().map(StateSpec::name).collect(Collectors.toUnmodifiableSet());
        this.stateInput = stateStore != null && definition.stateStore() instanceof StateBackend.Kafka
                ? definition.inputs().get(0) : null;
        this.replayTopic = definition.replayTopic();
        this.deferredWrites = !buffered && stateStore != null && stateStore.defersWrites();
        this.cloudEvents = definition.cloudEvents() == CloudEventsMode.NEVER ? null
                : new CloudEventHeaders(function, outputs, definition.cloudEvents() == CloudEventsMode.ALWAYS);
        this.tracer = environment.telemetry().tracing().tracer();
        this.spanName = function + " process";
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
        return new CallContext(watchedNanos);
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
            context.billed();
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
            context.billed(); // a batch is one invocation
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
            // The store holds the write back until the outputs are acknowledged; the key goes on meanwhile.
            EmitsAcked acked = context.acked;
            context.saved(stateStore.save(source.partition(), key, record.key(), next,
                    acked == null ? null : acked.sealed()));
            return;
        }
        if (!context.awaitSends()) {
            return; // an emit was refused: the record went to the dead-letter topic (or the function stops)
        }
        context.saved(stateStore.save(source.partition(), key, record.key(), next, null));
    }

    /**
     * A call's emits, counted as Kafka answers them: completes once the call has returned and every emit is
     * answered (exceptionally if one failed).
     */
    private static final class EmitsAcked {
        /** Emits unanswered, plus one until the call has returned. */
        private final AtomicInteger unanswered = new AtomicInteger(1);
        private final CompletableFuture<Void> all = new CompletableFuture<>();
        private volatile Exception failure;

        void sending() {
            unanswered.incrementAndGet();
        }

        void answered(Exception exception) {
            if (exception != null) {
                failure = exception;
            }
            if (unanswered.decrementAndGet() == 0) {
                if (failure == null) {
                    all.complete(null);
                } else {
                    all.completeExceptionally(failure);
                }
            }
        }

        /** The call returned: no more emits. */
        CompletableFuture<Void> sealed() {
            answered(null);
            return all;
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

    /** Whether the function's calls have been fast lately (see {@link KeyLanes}); false before any is timed. */
    /** The handler's time per record, a moving average in nanoseconds; NaN before any call was timed. */
    double averageCallNanos() {
        return averageCallNanos;
    }

    boolean callsAreFast() {
        return averageCallNanos < FAST_CALL_NANOS;
    }

    /**
     * The context of one lane's handler calls, one call after the other; it refuses emits between calls and once
     * the last call has returned.
     */
    final class CallContext implements Context, ForwardingEnvironment, FunctionLogger.Call {
        // Written and read on the lane's thread: the context is not for other threads (see Context).
        /** The call's one record, or null for a batch. */
        private Chunk chunk;
        private ConsumerRecord<byte[], byte[]> record;
        /** The batch's records, or null for one record. */
        private List<Chunk> chunks;
        private List<ConsumerRecord<byte[], byte[]>> records;
        /** The call's emits and the input each belongs to (-1: the whole batch), held until it returns. */
        private final List<ProducerRecord<byte[], byte[]>> held = new ArrayList<>();
        private final List<Integer> heldSources = new ArrayList<>();
        /** For a function without state: any use of it is refused, naming the state. */
        private final KeyedState noState = CallState.undeclared(function);
        /** The current call's key's state, for a function with state; null otherwise. */
        private KeyedState keyed;
        /** At-least-once with state: the call's sends, which must be acknowledged before its state is saved. */
        private final List<Future<RecordMetadata>> sent = new ArrayList<>();
        /** At-least-once with a store that defers its writes: whether the call's emits are counted. */
        private boolean countsEmits;
        /** Those emits, as Kafka answers them; made at the first (most calls of such a function emit nothing). */
        private EmitsAcked acked;
        private final LongSupplier watchedNanos;
        /** Which attempt the next call is (set by the lane before it). */
        private int attempt = 1;
        /** How many events the current call emitted. */
        private int emitted;
        // Usage: calls are billed their duration rounded up to the millisecond. Reading the clock costs about as
        // much as a fast handler's call, so the calls of a function whose calls are fast (under FAST_CALL_NANOS on
        // average) are timed in groups of up to BILLING_GROUP: a group that took a millisecond or less bills a
        // millisecond per call, exactly what timing each call would; a longer one (a slow call among fast ones, a
        // pause) bills its time rounded up plus a millisecond for each other call in it. Other functions' calls
        // are timed one by one. A call's time runs from the lane's previous clock reading, so it includes the
        // engine's microseconds between calls.
        /** Calls billed, and their milliseconds, not yet added to the function's usage. */
        private long calls;
        private long billedMillis;
        /** Calls since the clock was last read, and when that was. */
        private int unmeasured;
        private long lastReading;

        /** A lane task starts: its calls are timed from now. */
        void taskStarted() {
            lastReading = ticker.nanoTime();
            unmeasured = 0;
        }

        /** A call returned (or threw). */
        void billed() {
            unmeasured++;
            if (unmeasured >= BILLING_GROUP || !callsAreFast()) {
                measure();
            }
        }

        private void measure() {
            if (unmeasured == 0) {
                return;
            }
            long now = ticker.nanoTime();
            long elapsed = now - lastReading;
            billedMillis += elapsed <= 1_000_000 ? unmeasured : unmeasured - 1 + (elapsed + 999_999) / 1_000_000;
            calls += unmeasured;
            unmeasured = 0;
            lastReading = now;
        }

        /** Adds what the lane task's calls used to the function's usage (once per task, not per call). */
        void flushUsage() {
            measure();
            if (calls > 0) {
                metrics.usage(calls, billedMillis);
                calls = 0;
                billedMillis = 0;
            }
        }

        /** The current call's span, when its record carries a trace; null otherwise. */
        private Span span;
        private final FunctionLogger logger = environment.logger().forCalls(this);

        CallContext(LongSupplier watchedNanos) {
            this.watchedNanos = watchedNanos;
        }

        /** The call continues its record's trace: a span of its own, which its outputs carry. */
        void startSpan(ConsumerRecord<byte[], byte[]> traced) {
            span = tracer.spanBuilder(spanName).setSpanKind(SpanKind.CONSUMER)
                    .setParent(Tracing.parentOf(traced.headers()))
                    .setAttribute(MESSAGING_SYSTEM, "kafka")
                    .setAttribute(DESTINATION, traced.topic())
                    .setAttribute(PARTITION, (long) traced.partition())
                    .setAttribute(OFFSET, traced.offset())
                    .setAttribute(ATTEMPT, (long) attempt)
                    .startSpan();
        }

        void endSpan(Throwable failure) {
            if (span == null) {
                return;
            }
            if (failure != null) {
                span.recordException(failure);
                span.setStatus(StatusCode.ERROR, failure.toString());
            }
            span.end();
            span = null;
        }

        @Override
        public System.Logger logger() {
            return logger;
        }

        @Override
        public String invocation() {
            ConsumerRecord<byte[], byte[]> current = record != null ? record
                    : records != null && !records.isEmpty() ? records.get(0) : null;
            return current == null ? null : current.topic() + ":" + current.partition() + ":" + current.offset();
        }

        @Override
        public String traceId() {
            return span == null ? null : span.getSpanContext().getTraceId();
        }

        @Override
        public String spanId() {
            return span == null ? null : span.getSpanContext().getSpanId();
        }

        /** Which attempt the next call is: 1 for a first attempt. */
        void attempt(int number) {
            this.attempt = number;
        }

        void open(Chunk chunk, ConsumerRecord<byte[], byte[]> record) {
            this.chunk = chunk;
            this.record = record;
            this.emitted = 0;
        }

        void open(List<Chunk> chunks, List<ConsumerRecord<byte[], byte[]>> records) {
            this.chunks = chunks;
            this.records = records;
            this.emitted = 0;
        }

        @Override
        public int attempt() {
            return attempt;
        }

        /** When the watchdog will interrupt the call: exact to within one of its periods (a quarter timeout). */
        @Override
        public Instant deadline() {
            return clock.instant().plusNanos(timeoutNanos - watchedNanos.getAsLong());
        }

        /**
         * Sends what the call emitted, now that it returned: only what belongs to inputs that succeeded. An emit
         * that belongs to the whole batch goes only if every input succeeded; otherwise they all fail.
         *
         * @return the failures, as given or grown
         */
        Throwable[] flush(Throwable[] failures) {
            if (held.isEmpty()) {
                return failures;
            }
            if (failures != null && heldSources.contains(-1)) {
                Throwable cause = Arrays.stream(failures).filter(f -> f != null).findFirst().orElseThrow();
                for (int i = 0; i < failures.length; i++) {
                    if (failures[i] == null) {
                        failures[i] = new IllegalStateException("an event emitted for the whole batch cannot go"
                                + " out while another event of the batch failed", cause);
                    }
                }
            }
            for (int i = 0; i < held.size(); i++) {
                int source = heldSources.get(i);
                if (failures == null || (source >= 0 && failures[source] == null)) {
                    sendNow(held.get(i), source);
                }
            }
            return failures;
        }

        /**
         * Waits until Kafka has acknowledged the call's sends (at-least-once with state).
         *
         * @return false when one was refused: its callback dealt with the record
         */
        boolean awaitSends() throws InterruptedException {
            for (Future<RecordMetadata> send : sent) {
                try {
                    send.get();
                } catch (ExecutionException e) {
                    return false;
                }
            }
            return true;
        }

        /** Holds the record's chunk until its saved state is durable; a failed write stops the function. */
        void saved(CompletableFuture<Void> written) {
            if (written.isDone() && !written.isCompletedExceptionally()) {
                return;
            }
            Chunk holder = chunk;
            holder.retain();
            written.whenComplete((ok, e) -> {
                if (e != null) {
                    holder.fail(e);
                }
                holder.release();
            });
        }

        /** Sends the call's record, as it is, to a topic (a replayed record, back to its key's partition). */
        void forward(String topic) {
            ProducerRecord<byte[], byte[]> copy = new ProducerRecord<>(topic, null, record.timestamp(), record.key(),
                    record.value(), record.headers());
            send(copy, chunk, null, record);
        }

        /** Forgets what a call emitted (a failed call, when emits are buffered), and ends the call. */
        void close() {
            keyed = null;
            countsEmits = false;
            acked = null;
            sent.clear();
            held.clear();
            heldSources.clear();
            chunk = null;
            record = null;
            chunks = null;
            records = null;
        }

        @Override
        public Environment environment() {
            return environment;
        }

        @Override
        public KeyedState state() {
            if (records != null) {
                throw new IllegalStateException("a batch's events have many keys: keyed state is for per-event"
                        + " handlers");
            }
            return keyed != null ? keyed : noState;
        }

        @Override
        public void emit(Event event) {
            if (defaultTopic == null) {
                throw new IllegalStateException("Function '" + function + "' has no default output; its outputs are "
                        + outputs.keySet() + ": emit to one of them by name");
            }
            send(defaultTopic, event);
        }

        @Override
        public void emit(String output, Event event) {
            String topic = outputs.get(output);
            if (topic == null) {
                throw new IllegalArgumentException("Function '" + function + "' has no output named '" + output
                        + "'; its outputs are " + outputs.keySet());
            }
            send(topic, event);
        }

        private void send(String topic, Event event) {
            if (record == null && records == null) {
                throw new IllegalStateException("Function '" + function + "' emitted after its handler returned;"
                        + " emit only from inside handle()");
            }
            ProducerRecord<byte[], byte[]> emit = KafkaEvents.toRecord(topic, event);
            int source = sourceOf(event);
            ConsumerRecord<byte[], byte[]> input = records == null ? record : records.get(Math.max(0, source));
            if (cloudEvents != null) {
                cloudEvents.stamp(topic, emit.headers(), input, emitted);
            }
            if (span != null) {
                Tracing.inject(span, emit.headers()); // the output continues the call's trace
            }
            emitted++;
            String replyTo = topic.equals(defaultTopic) ? Replies.replyTo(input) : null;
            ProducerRecord<byte[], byte[]> reply = replyTo == null ? null : Replies.copy(emit, replyTo, input);
            if (buffered) {
                held.add(emit);
                heldSources.add(source);
                if (reply != null) {
                    held.add(reply);
                    heldSources.add(source);
                }
            } else {
                sendNow(emit, source);
                if (reply != null) {
                    sendNow(reply, source);
                }
            }
        }

        /** The index of the input an emitted event belongs to, by the origin it carries; -1 for the batch. */
        private int sourceOf(Event event) {
            if (records == null || records.size() == 1) {
                return 0;
            }
            Origin origin = event.origin().orElse(null);
            if (origin != null) {
                for (int i = 0; i < records.size(); i++) {
                    ConsumerRecord<byte[], byte[]> record = records.get(i);
                    if (record.offset() == origin.offset() && record.partition() == origin.partition()
                            && record.topic().equals(origin.topic())) {
                        return i;
                    }
                }
            }
            return -1;
        }

        private void sendNow(ProducerRecord<byte[], byte[]> emit, int source) {
            if (records == null) {
                send(emit, chunk, null, record);
            } else if (source >= 0) {
                send(emit, chunks.get(source), null, records.get(source));
            } else {
                List<Chunk> all = distinct(chunks);
                send(emit, all.get(0), all.subList(1, all.size()), records.get(0));
            }
        }

        private void send(ProducerRecord<byte[], byte[]> emit, Chunk holder, List<Chunk> more,
                ConsumerRecord<byte[], byte[]> input) {
            holder.retain();
            if (more != null) {
                more.forEach(Chunk::retain);
            }
            if (countsEmits && acked == null) {
                acked = new EmitsAcked();
            }
            if (acked != null) {
                acked.sending();
            }
            try {
                Future<RecordMetadata> send = producer.send(emit, new EmitCallback(holder, more, input, acked));
                if (stateStore != null && !buffered && !countsEmits) {
                    sent.add(send);
                }
            } catch (RuntimeException e) {
                if (acked != null) {
                    acked.answered(e);
                }
                // The producer refused the record outright (closed, fenced, or it waited too long for buffer space).
                holder.fail(e);
                holder.release();
                if (more != null) {
                    more.forEach(chunk -> {
                        chunk.fail(e);
                        chunk.release();
                    });
                }
                throw e;
            }
        }
    }

    private static List<Chunk> distinct(List<Chunk> chunks) {
        List<Chunk> distinct = new ArrayList<>(2);
        for (Chunk chunk : chunks) {
            if (!distinct.contains(chunk)) {
                distinct.add(chunk);
            }
        }
        return distinct;
    }

    /** Kafka's answer to one emit, tied to the chunk (for a batch's own emit, chunks) that must wait for it. */
    private final class EmitCallback implements Callback {
        private final Chunk holder;
        private final List<Chunk> more;
        private final ConsumerRecord<byte[], byte[]> source;
        private final EmitsAcked acked;

        /**
         * @param more  further chunks holding on, or null (the common case)
         * @param acked the call's count of answered emits, or null
         */
        EmitCallback(Chunk holder, List<Chunk> more, ConsumerRecord<byte[], byte[]> source, EmitsAcked acked) {
            this.holder = holder;
            this.more = more;
            this.source = source;
            this.acked = acked;
        }

        @Override
        public void onCompletion(RecordMetadata metadata, Exception exception) {
            if (exception == null) {
                metrics.emits.increment();
            } else if (exception instanceof RecordTooLargeException || exception instanceof InvalidRecordException) {
                deadLetters.outputRefused(holder, source, exception);
            } else {
                holder.fail(exception);
                if (more != null) {
                    more.forEach(chunk -> chunk.fail(exception));
                }
            }
            if (acked != null) {
                acked.answered(exception);
            }
            holder.release();
            if (more != null) {
                more.forEach(Chunk::release);
            }
        }
    }
}
