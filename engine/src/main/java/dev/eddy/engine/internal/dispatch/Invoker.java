package dev.eddy.engine.internal.dispatch;

import dev.eddy.engine.FunctionDefinition;
import dev.eddy.sdk.Context;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.Handler;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;

/**
 * Runs a function's handler over the records of a chunk, in order, and sends what it emits.
 *
 * <p>A handler that throws fails only its own record: the failure is counted and logged, and the next record
 * follows. A send that fails marks the whole chunk failed so that its offsets are never committed.
 *
 * <p>Threading: {@link #run} is called on a virtual thread, for different partitions concurrently.
 */
final class Invoker {

    /** At most this many calls of a chunk are timed. */
    static final int TIMED_PER_CHUNK = 4;
    /** Calls faster than this on average do not wait on anything worth more concurrency than the partitions'. */
    static final long FAST_CALL_NANOS = 10_000;

    private final String function;
    private final Handler handler;
    private final Map<String, String> outputs;
    private final String defaultTopic;
    private final Producer<byte[], byte[]> producer;
    private final FunctionMetrics metrics;
    private final FailureLog failureLog;
    /**
     * A moving average of the timed calls' duration; until the first is timed, the calls count as slow. Written
     * by whichever thread timed a call: a lost update only loses one sample.
     */
    private volatile double averageCallNanos = Double.NaN;

    Invoker(String function, Handler handler, Map<String, String> outputs, Producer<byte[], byte[]> producer,
            FunctionMetrics metrics, FailureLog failureLog) {
        this.function = function;
        this.handler = handler;
        this.outputs = outputs;
        this.defaultTopic = outputs.get(FunctionDefinition.DEFAULT_OUTPUT);
        this.producer = producer;
        this.metrics = metrics;
        this.failureLog = failureLog;
    }

    /** Runs the handler over the records (all of the chunk's or a slice of them), then releases the chunk once. */
    void run(Chunk chunk, List<ConsumerRecord<byte[], byte[]>> records) {
        int failures = 0;
        // Recording into a percentile histogram costs more than a trivial handler: time at most TIMED_PER_CHUNK
        // calls per chunk, evenly spread (every call when the load is light; eddy.invocations has exact counts).
        int sampleEvery = Math.max(1, records.size() / TIMED_PER_CHUNK);
        int index = 0;
        try {
            ChunkContext context = new ChunkContext(chunk);
            for (ConsumerRecord<byte[], byte[]> record : records) {
                Event event = KafkaEvents.toEvent(record);
                boolean timed = index++ % sampleEvery == 0;
                long start = timed ? System.nanoTime() : 0;
                context.open();
                try {
                    handler.handle(event, context);
                } catch (Throwable e) {
                    failures++;
                    failureLog.handlerFailed(event, e);
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
        } catch (Throwable e) {
            // Not the handler's doing: keep the chunk from being committed, and say why.
            chunk.fail(e);
        } finally {
            if (failures > 0) {
                metrics.failed.increment(failures);
            }
            metrics.succeeded.increment(records.size() - failures);
            chunk.release();
        }
    }

    /** Whether the function's calls have been fast lately (see {@link KeyLanes}); false before any is timed. */
    boolean callsAreFast() {
        return averageCallNanos < FAST_CALL_NANOS;
    }

    /**
     * The context of the handler calls over one chunk, one call after the other; it refuses emits between calls
     * and once the last call has returned.
     */
    private final class ChunkContext implements Context {
        private final Chunk chunk;
        /** Written and read on the handler's thread: the context is not for other threads (see Context). */
        private boolean closed = true;

        ChunkContext(Chunk chunk) {
            this.chunk = chunk;
        }

        void open() {
            closed = false;
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
            if (closed) {
                throw new IllegalStateException("Function '" + function + "' emitted after its handler returned;"
                        + " emit only from inside handle()");
            }
            chunk.retain();
            try {
                producer.send(KafkaEvents.toRecord(topic, event), chunk);
            } catch (RuntimeException e) {
                // The producer refused the record outright (closed, fenced, or it waited too long for buffer space).
                chunk.fail(e);
                chunk.release();
                throw e;
            }
        }

        void close() {
            closed = true;
        }
    }
}
