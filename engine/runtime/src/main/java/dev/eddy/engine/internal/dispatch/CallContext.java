package dev.eddy.engine.internal.dispatch;

import dev.eddy.engine.telemetry.FunctionLogger;
import dev.eddy.observability.Tracing;
import dev.eddy.sdk.Context;
import dev.eddy.sdk.Environment;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.KeyedState;
import dev.eddy.sdk.Origin;
import dev.eddy.sdk.runtime.CallState;
import dev.eddy.sdk.runtime.ForwardingEnvironment;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The {@link Context} of one lane's handler calls, one call after the other: what the handler sees of its call
 * (its emits, its key's state, its logger, attempt and deadline) and what the call leaves behind. Each emit belongs
 * to an input record (for a batch, the one whose origin the emitted event carries, else the whole batch) and goes
 * through the {@link EmitCollector}; emits of an exactly-once function are held until the call returns, so that a
 * failed attempt leaves nothing in the transaction. It refuses emits between calls and once the last call has
 * returned.
 *
 * <p>Threading: the lane's; a context is not for other threads (see {@link Context}).
 */
final class CallContext implements Context, ForwardingEnvironment, FunctionLogger.Call {

    private static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
    private static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    private static final AttributeKey<Long> PARTITION = AttributeKey.longKey("messaging.destination.partition.id");
    private static final AttributeKey<Long> OFFSET = AttributeKey.longKey("messaging.kafka.offset");
    private static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("eddy.attempt");

    private final FunctionEnvironment environment;
    private final EmitCollector emits;
    /** Whether emits wait until the call returns (exactly-once) rather than go out at once (at-least-once). */
    private final boolean buffered;
    /** At-least-once with state: whether a call's sends are kept, to be awaited before its state is saved. */
    private final boolean keepsSends;
    private final Tracer tracer;
    private final String spanName;
    private final long timeoutNanos;
    private final LongSupplier watchedNanos;
    final UsageMeter usage;
    final FunctionLogger logger;

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
    private final KeyedState noState;
    /** The current call's key's state, for a function with state; null otherwise. */
    KeyedState keyed;
    /** At-least-once with state: the call's sends, which must be acknowledged before its state is saved. */
    private final List<Future<RecordMetadata>> sent = new ArrayList<>();
    /** At-least-once with a store that defers its writes: whether the call's emits are counted. */
    boolean countsEmits;
    /** Those emits, as Kafka answers them; made at the first (most calls of such a function emit nothing). */
    EmitCollector.EmitsAcked acked;
    /** Which attempt the next call is (set by the lane before it). */
    private int attempt = 1;
    /** How many events the current call emitted. */
    private int emitted;
    /** The current call's span, when its record carries a trace; null otherwise. */
    private Span span;

    /**
     * @param watchedNanos how long the lane's current call has run as its watchdog counts it (0 until it has seen
     *                     the call): the deadline is reckoned from it, so that a call reads no clock
     */
    CallContext(FunctionEnvironment environment, EmitCollector emits, boolean buffered, boolean keepsSends,
            Tracer tracer, UsageMeter usage, LongSupplier watchedNanos) {
        this.environment = environment;
        this.emits = emits;
        this.buffered = buffered;
        this.keepsSends = keepsSends;
        this.tracer = tracer;
        this.spanName = environment.functionName() + " process";
        this.timeoutNanos = environment.definition().timeout().toNanos();
        this.usage = usage;
        this.watchedNanos = watchedNanos;
        this.noState = CallState.undeclared(environment.functionName());
        this.logger = environment.logger().forCalls(this);
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

    /**
     * Makes the call again on the same record (its key's state changed under it): its emits count from the first
     * again, so that they carry the ids the first attempt's carried.
     */
    void again() {
        this.emitted = 0;
        held.clear();
        heldSources.clear();
    }

    @Override
    public int attempt() {
        return attempt;
    }

    /** When the watchdog will interrupt the call: exact to within one of its periods (a quarter timeout). */
    @Override
    public Instant deadline() {
        return environment.clock().instant().plusNanos(timeoutNanos - watchedNanos.getAsLong());
    }

    /**
     * Sends what the call emitted, now that it returned: only what belongs to inputs that succeeded. An emit that
     * belongs to the whole batch goes only if every input succeeded; otherwise they all fail.
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
                    failures[i] = new IllegalStateException("an event emitted for the whole batch cannot go out"
                            + " while another event of the batch failed", cause);
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
        send(emits.defaultTopic(), event);
    }

    @Override
    public void emit(String output, Event event) {
        send(emits.topicOf(output), event);
    }

    private void send(String topic, Event event) {
        if (record == null && records == null) {
            throw new IllegalStateException("Function '" + environment.functionName() + "' emitted after its"
                    + " handler returned; emit only from inside handle()");
        }
        int source = sourceOf(event);
        ConsumerRecord<byte[], byte[]> input = records == null ? record : records.get(Math.max(0, source));
        ProducerRecord<byte[], byte[]> emit = emits.record(topic, event, input, emitted, span);
        emitted++;
        ProducerRecord<byte[], byte[]> reply = emits.replyCopy(emit, input);
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
                ConsumerRecord<byte[], byte[]> candidate = records.get(i);
                if (candidate.offset() == origin.offset() && candidate.partition() == origin.partition()
                        && candidate.topic().equals(origin.topic())) {
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
        if (countsEmits && acked == null) {
            acked = new EmitCollector.EmitsAcked();
        }
        Future<RecordMetadata> send = emits.send(emit, holder, more, input, acked);
        if (keepsSends && !countsEmits) {
            sent.add(send);
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
}
