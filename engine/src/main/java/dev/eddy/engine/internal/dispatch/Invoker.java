package dev.eddy.engine.internal.dispatch;

import dev.eddy.engine.FunctionDefinition;
import dev.eddy.sdk.Context;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.Handler;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.RecordTooLargeException;

/**
 * Calls a function's handler for one record and sends what it emits. Each emit is tied to its input record: if
 * Kafka refuses it for good (too large, invalid), the input record goes to the dead-letter topic; if Kafka cannot
 * be reached within the producer's delivery timeout, the record's chunk is marked failed, so that its offset is
 * never committed and the function stops.
 *
 * <p>Threading: {@link #call} runs on a lane's thread, for different lanes concurrently.
 */
final class Invoker {

    /** Calls faster than this on average do not wait on anything worth more concurrency than the partitions'. */
    static final long FAST_CALL_NANOS = 10_000;

    private final String function;
    private final Handler handler;
    private final Map<String, String> outputs;
    private final String defaultTopic;
    private final Producer<byte[], byte[]> producer;
    private final FunctionMetrics metrics;
    private final DeadLetters deadLetters;
    /**
     * Whether a call's emits wait until it returns (exactly-once: a failed attempt must leave nothing in the
     * transaction) rather than go out at once (at-least-once: lower latency, and a retry may repeat them anyway).
     */
    private final boolean buffered;
    /**
     * A moving average of the timed calls' duration; until the first is timed, the calls count as slow. Written
     * by whichever thread timed a call: a lost update only loses one sample.
     */
    private volatile double averageCallNanos = Double.NaN;

    Invoker(FunctionDefinition definition, Producer<byte[], byte[]> producer, FunctionMetrics metrics,
            DeadLetters deadLetters) {
        this.buffered = definition.delivery() == dev.eddy.engine.Delivery.EXACTLY_ONCE;
        this.function = definition.name();
        this.handler = definition.handler();
        this.outputs = definition.outputs();
        this.defaultTopic = outputs.get(FunctionDefinition.DEFAULT_OUTPUT);
        this.producer = producer;
        this.metrics = metrics;
        this.deadLetters = deadLetters;
    }

    /** A context for one lane's calls, reused call after call. */
    CallContext newContext() {
        return new CallContext();
    }

    /**
     * Calls the handler once.
     *
     * @param timed whether to time this call for the latency histogram
     * @return what the handler threw, or null
     */
    Throwable call(Chunk chunk, ConsumerRecord<byte[], byte[]> record, CallContext context, boolean timed) {
        Event event = KafkaEvents.toEvent(record);
        long start = timed ? System.nanoTime() : 0;
        context.open(chunk, record);
        try {
            handler.handle(event, context);
            context.flush();
            return null;
        } catch (Throwable e) {
            return e;
        } finally {
            context.close();
            if (timed) {
                long took = System.nanoTime() - start;
                metrics.handlerDuration.record(took, TimeUnit.NANOSECONDS);
                double average = averageCallNanos;
                averageCallNanos = Double.isNaN(average) ? took : average + (took - average) / 16;
            }
        }
    }

    /** Whether the function's calls have been fast lately (see {@link KeyLanes}); false before any is timed. */
    boolean callsAreFast() {
        return averageCallNanos < FAST_CALL_NANOS;
    }

    /**
     * The context of one lane's handler calls, one call after the other; it refuses emits between calls and once
     * the last call has returned.
     */
    final class CallContext implements Context {
        /** Written and read on the lane's thread: the context is not for other threads (see Context). */
        private Chunk chunk;
        private ConsumerRecord<byte[], byte[]> record;
        /** The call's emits, held until it returns, when emits are buffered. */
        private final java.util.List<ProducerRecord<byte[], byte[]>> held = new java.util.ArrayList<>();

        void open(Chunk chunk, ConsumerRecord<byte[], byte[]> record) {
            this.chunk = chunk;
            this.record = record;
        }

        /** Sends what the call emitted, now that it returned. */
        void flush() {
            for (ProducerRecord<byte[], byte[]> emit : held) {
                sendNow(emit);
            }
            held.clear();
        }

        /** Forgets what a call emitted (a failed call, when emits are buffered), and ends the call. */
        void close() {
            held.clear();
            chunk = null;
            record = null;
        }

        @Override
        public String functionName() {
            return function;
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
            if (chunk == null) {
                throw new IllegalStateException("Function '" + function + "' emitted after its handler returned;"
                        + " emit only from inside handle()");
            }
            ProducerRecord<byte[], byte[]> emit = KafkaEvents.toRecord(topic, event);
            if (buffered) {
                held.add(emit);
            } else {
                sendNow(emit);
            }
        }

        private void sendNow(ProducerRecord<byte[], byte[]> emit) {
            Chunk current = chunk;
            current.retain();
            try {
                producer.send(emit, new EmitCallback(current, record));
            } catch (RuntimeException e) {
                // The producer refused the record outright (closed, fenced, or it waited too long for buffer space).
                current.fail(e);
                current.release();
                throw e;
            }
        }
    }

    /** Kafka's answer to one emit, tied to the input record that emitted it. */
    private final class EmitCallback implements Callback {
        private final Chunk chunk;
        private final ConsumerRecord<byte[], byte[]> source;

        EmitCallback(Chunk chunk, ConsumerRecord<byte[], byte[]> source) {
            this.chunk = chunk;
            this.source = source;
        }

        @Override
        public void onCompletion(RecordMetadata metadata, Exception exception) {
            if (exception == null) {
                metrics.emits.increment();
            } else if (exception instanceof RecordTooLargeException || exception instanceof InvalidRecordException) {
                deadLetters.outputRefused(chunk, source, exception);
            } else {
                chunk.fail(exception);
            }
            chunk.release();
        }
    }
}
