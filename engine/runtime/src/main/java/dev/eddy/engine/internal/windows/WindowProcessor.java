package dev.eddy.engine.internal.windows;

import dev.eddy.engine.DeadLetterHeaders;
import dev.eddy.engine.FailureReason;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.sdk.CodecException;
import dev.eddy.sdk.Environment;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.Header;
import dev.eddy.sdk.Headers;
import dev.eddy.sdk.Origin;
import dev.eddy.sdk.runtime.WindowStore;
import dev.eddy.sdk.runtime.Windowing;
import dev.eddy.sdk.window.Window;
import dev.eddy.sdk.window.WindowResult;
import dev.eddy.sdk.window.WindowedFunction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.SessionStore;

/**
 * A windowed function's stream processor, one per task (input partition): decodes each record, adds it to its key's
 * windows ({@link Windowing}), and forwards what comes of it — window results to the {@link #RESULTS} sink, records
 * it could not take to the {@link #DEAD_LETTERS} sink with the reason, as the dispatcher's dead letters carry it.
 * A wall-clock punctuation closes the windows whose close has come, also while the partition is quiet.
 *
 * @param <T> the events' values
 * @param <A> the accumulator
 * @param <R> the results
 */
final class WindowProcessor<T, A, R> implements Processor<byte[], byte[], byte[], byte[]> {

    static final String RESULTS = "results";
    static final String DEAD_LETTERS = "dead-letters";
    /** The headers of a window result: its start and end, epoch milliseconds as decimal text. */
    static final String WINDOW_START = "eddy.window.start";
    static final String WINDOW_END = "eddy.window.end";

    private final FunctionDefinition definition;
    private final WindowedFunction<T, A, R> function;
    private final Window window;
    private final Environment environment;
    private final LongSupplier wallClock;
    private final WindowTiming timing;
    private final WindowCounts counts;
    /** One record in this many is timed, for the scaling controller's call time. */
    private static final int TIMED_EVERY_MASK = 255;
    private ProcessorContext<byte[], byte[]> context;
    private long processed;
    private Windowing<T, A> windowing;

    @SuppressWarnings("unchecked")
    WindowProcessor(FunctionDefinition definition, Environment environment, WindowTiming timing,
            WindowCounts counts) {
        this.definition = definition;
        this.function = (WindowedFunction<T, A, R>) definition.windowed();
        this.window = definition.window();
        this.environment = environment;
        this.wallClock = timing.wallClock();
        this.timing = timing;
        this.counts = counts;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> processorContext) {
        this.context = processorContext;
        KeyValueStore<String, Long> times = processorContext.getStateStore(WindowedTopology.TIMES_STORE);
        WindowStore store = window.kind() == Window.Kind.SESSION
                ? new StreamsWindowStore.Sessions(
                        processorContext.<SessionStore<Bytes, byte[]>>getStateStore(WindowedTopology.WINDOWS_STORE),
                        times)
                : new StreamsWindowStore.Timed(processorContext.<org.apache.kafka.streams.state.WindowStore<Bytes,
                        byte[]>>getStateStore(WindowedTopology.WINDOWS_STORE), times, window.size().toMillis());
        int partition = processorContext.taskId().partition();
        windowing = new Windowing<>(window, function.aggregate(), store, wallClock.getAsLong(),
                timing.quietAfter().toMillis(), () -> timing.caughtUp().test(partition));
        processorContext.schedule(timing.closeInterval(), PunctuationType.WALL_CLOCK_TIME,
                timestamp -> windowing.closeDue(wallClock.getAsLong(), this::emit));
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        counts.received();
        if (record.key() == null) {
            deadLetter(record, FailureReason.UNDECODABLE, null, "a windowed function groups events by key; this"
                    + " record has none", null);
            return;
        }
        if (record.value() == null) {
            return; // a tombstone: in no window, as Kafka Streams' aggregations pass them over
        }
        Event event = event(record);
        T value;
        try {
            value = function.input().decode(event, environment);
        } catch (CodecException e) {
            deadLetter(record, FailureReason.UNDECODABLE, e, e.getMessage(), null);
            return;
        }
        if (value == null) {
            deadLetter(record, FailureReason.UNDECODABLE, null, function.input().name() + ": the value decodes as"
                    + " null (a JSON null?); only a tombstone, which has no value, may stand for nothing", null);
            return;
        }
        List<Windowing.Bounds> missed;
        boolean timed = (++processed & TIMED_EVERY_MASK) == 0;
        long start = timed ? System.nanoTime() : 0;
        try {
            missed = windowing.add(record.key(), value, record.timestamp(), wallClock.getAsLong(), this::emit);
            if (timed) {
                counts.timed(System.nanoTime() - start);
            }
        } catch (RuntimeException e) {
            // The aggregate threw: the record is in none of the windows it had not reached.
            deadLetter(record, FailureReason.HANDLER_FAILED, e, String.valueOf(e.getMessage()), null);
            return;
        }
        if (!missed.isEmpty()) {
            long time = windowing.time(wallClock.getAsLong());
            deadLetter(record, FailureReason.LATE, null, "its window " + describe(missed) + " had closed: the"
                    + " function's time on partition " + event.origin().map(Origin::partition).orElse(-1) + " was "
                    + Instant.ofEpochMilli(time) + ", the grace " + window.grace(), missed);
            return;
        }
        counts.added();
    }

    private void emit(byte[] key, WindowResult<A> result) {
        byte[] value = function.output().encode(function.result(result));
        RecordHeaders headers = new RecordHeaders();
        headers.add(WINDOW_START, Long.toString(result.start()).getBytes(StandardCharsets.UTF_8));
        headers.add(WINDOW_END, Long.toString(result.end()).getBytes(StandardCharsets.UTF_8));
        context.forward(new Record<>(key, value, Math.max(0, result.end()), headers), RESULTS);
        counts.emitted(result, wallClock.getAsLong());
    }

    private Event event(Record<byte[], byte[]> record) {
        List<Header> headers = new ArrayList<>();
        for (org.apache.kafka.common.header.Header header : record.headers()) {
            headers.add(new Header(header.key(), header.value()));
        }
        RecordMetadata metadata = context.recordMetadata().orElse(null);
        Origin origin = metadata == null ? new Origin("", -1, -1)
                : new Origin(metadata.topic(), metadata.partition(), metadata.offset());
        return Event.of(record.key(), record.value(), headers.isEmpty() ? Headers.empty() : Headers.of(headers),
                Math.max(record.timestamp(), Event.NO_TIMESTAMP), origin);
    }

    /** Sends a record the function did not take to its dead-letter topic, in the task's transaction. */
    private void deadLetter(Record<byte[], byte[]> record, FailureReason reason, Throwable error, String message,
            List<Windowing.Bounds> missed) {
        RecordHeaders headers = new RecordHeaders(record.headers().toArray());
        RecordMetadata metadata = context.recordMetadata().orElse(null);
        Instant now = Instant.ofEpochMilli(wallClock.getAsLong());
        DeadLetterHeaders.add(headers, metadata == null ? null
                : new org.apache.kafka.common.TopicPartition(metadata.topic(), metadata.partition()),
                metadata == null ? -1 : metadata.offset(), definition.name(), definition.version(), reason,
                reason == FailureReason.HANDLER_FAILED ? 1 : 0, error, message, now, now);
        if (missed != null) {
            DeadLetterHeaders.add(headers, DeadLetterHeaders.WINDOW, describe(missed));
        }
        context.forward(new Record<>(record.key(), record.value(), Math.max(0, record.timestamp()), headers),
                DEAD_LETTERS);
        counts.deadLettered(reason);
    }

    private static String describe(List<Windowing.Bounds> windows) {
        return windows.size() == 1 ? windows.get(0).toString()
                : String.join(",", windows.stream().map(Windowing.Bounds::toString).toList());
    }
}
