package dev.eddy.engine.internal.windows;

import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.StartingPosition;
import dev.eddy.sdk.Environment;
import dev.eddy.sdk.window.Window;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.AutoOffsetReset;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.TimestampExtractor;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * A windowed function as a Kafka Streams topology: its inputs → its {@link WindowProcessor} (with the windows'
 * store and the closed-through store) → its default output and its dead-letter topic. The stores' changelogs are
 * {@code <application id>-windows-changelog} and {@code <application id>-window-time-changelog}.
 */
final class WindowedTopology {

    static final String WINDOWS_STORE = "windows";
    static final String TIMES_STORE = "window-time";
    /** How long the stores keep a session beyond its gap and grace, at least. */
    private static final Duration SESSION_MARGIN = Duration.ofSeconds(1);

    private WindowedTopology() {
    }

    /** The changelog topics of a windowed function's stores, as Kafka Streams names them. */
    static java.util.List<String> changelogs(FunctionDefinition definition) {
        return java.util.List.of(definition.groupId() + "-" + WINDOWS_STORE + "-changelog",
                definition.groupId() + "-" + TIMES_STORE + "-changelog");
    }

    /** @param timing when windows close by the wall clock */
    static Topology of(FunctionDefinition definition, Environment environment, WindowTiming timing,
            WindowCounts counts) {
        LongSupplier wallClock = timing.wallClock();
        Topology topology = new Topology();
        ByteArrayDeserializer bytes = new ByteArrayDeserializer();
        topology.addSource(offsetReset(definition.startingPosition(), wallClock), "inputs", new EventTime(wallClock),
                bytes, bytes, definition.inputs().toArray(String[]::new));
        topology.addProcessor("window", () -> new WindowProcessor<>(definition, environment, timing, counts),
                "inputs");
        topology.addStateStore(windowsStore(definition.window()), "window");
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TIMES_STORE),
                Serdes.String(), Serdes.Long()).withCachingEnabled(), "window");
        ByteArraySerializer serializer = new ByteArraySerializer();
        topology.addSink(WindowProcessor.RESULTS, definition.outputs().get(FunctionDefinition.DEFAULT_OUTPUT),
                serializer, serializer, "window");
        topology.addSink(WindowProcessor.DEAD_LETTERS, definition.deadLetterTopic(), serializer, serializer,
                "window");
        return topology;
    }

    /** Where the function starts on a partition it never committed a position on. */
    private static AutoOffsetReset offsetReset(StartingPosition position, LongSupplier wallClock) {
        return switch (position) {
            case StartingPosition.Earliest earliest -> AutoOffsetReset.earliest();
            case StartingPosition.Latest latest -> AutoOffsetReset.latest();
            case StartingPosition.At at -> AutoOffsetReset.byDuration(Duration.ofMillis(
                    Math.max(0, wallClock.getAsLong() - at.timestamp().toEpochMilli())));
        };
    }

    /**
     * The windows' store. It drops windows older than its retention by the latest event time put; the processor
     * closes windows before that (see {@link dev.eddy.sdk.runtime.Windowing}), with margin: a time window is kept
     * its size and grace after its end, a session twice its gap and grace.
     */
    private static StoreBuilder<?> windowsStore(Window window) {
        if (window.kind() == Window.Kind.SESSION) {
            Duration retention = window.gap().plus(window.grace()).multipliedBy(2).plus(SESSION_MARGIN);
            return Stores.sessionStoreBuilder(Stores.persistentSessionStore(WINDOWS_STORE, retention),
                    Serdes.Bytes(), Serdes.ByteArray()).withCachingEnabled();
        }
        Duration retention = window.size().multipliedBy(2).plus(window.grace());
        return Stores.windowStoreBuilder(Stores.persistentWindowStore(WINDOWS_STORE, retention, window.size(),
                false), Serdes.Bytes(), Serdes.ByteArray()).withCachingEnabled();
    }

    /** A record's event time is its timestamp; a record without one takes the wall clock's time as it is read. */
    private record EventTime(LongSupplier wallClock) implements TimestampExtractor {
        @Override
        public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
            return record.timestamp() >= 0 ? record.timestamp() : wallClock.getAsLong();
        }
    }
}
