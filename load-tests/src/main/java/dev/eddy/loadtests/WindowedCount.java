package dev.eddy.loadtests;

import dev.eddy.engine.Engine;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.sdk.Codec;
import dev.eddy.sdk.window.Aggregate;
import dev.eddy.sdk.window.Window;
import dev.eddy.sdk.window.WindowedFunction;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.state.WindowStore;

/**
 * {@code windowed-count}: each key's records counted per tumbling second over {@link #KEYS} keys, final results only,
 * exactly once — a windowed function against a plain Kafka Streams application doing the same ({@code windowedBy}
 * a one-second {@code TimeWindows}, {@code count()}, final results by {@code suppress(untilWindowCloses)}) with one
 * stream thread each and the
 * same commit interval, over the same records; both timed from the first record counted until every input offset
 * is committed.
 */
final class WindowedCount extends Scenario {

    static final int KEYS = 1_000;
    static final Duration SIZE = Duration.ofSeconds(1);

    WindowedCount() {
        super("windowed-count",
                "windowed function counting per key and second vs a Kafka Streams windowed count, same run",
                0.95,
                false,
                1000,
                500_000);
    }

    @Override
    public ScenarioResult run(BenchContext context) throws Exception {
        int records = context.records();
        String input = context.fill("bench-window-in", DispatchNoop.PARTITIONS, records, DispatchNoop.VALUE_BYTES,
                KEYS);
        Throughput eddy = new Throughput("Eddy: windowed function, count per second");
        Throughput streams = new Throughput("Kafka Streams windowed count, 1 thread");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                context.engineConfig().bootstrapServers()))) {
            Runs.alternate(context, records,
                    streams, run -> kafkaStreams(context, admin, input,
                            context.newTopic("bench-window-streams-out", DispatchNoop.PARTITIONS), records, run),
                    eddy, run -> eddyWindows(context, admin, input,
                            context.newTopic("bench-window-eddy-out", DispatchNoop.PARTITIONS), records, run));
        }
        return new ScenarioResult(eddy.figures(), streams.figures(), eddy.median() / streams.median(),
                Map.of("partitions", DispatchNoop.PARTITIONS, "value_bytes", DispatchNoop.VALUE_BYTES, "keys", KEYS,
                        "window", "tumbling 1s, final results", "delivery", "exactly_once_v2", "threads", 1));
    }

    /** Nanoseconds from the first record counted until the function committed every offset. */
    private static long eddyWindows(BenchContext context, Admin admin, String input, String output, int records,
            int run) {
        AtomicLong first = new AtomicLong();
        Aggregate<byte[], Long> count = Aggregate.of(() -> 0L, (n, value) -> {
            if (first.get() == 0) {
                first.compareAndSet(0, System.nanoTime());
            }
            return n + 1;
        }, Long::sum, Aggregate.longCodec());
        FunctionDefinition function = FunctionDefinition.builder("bench-window-" + input + "-" + run)
                .input(input).output(output).scalingMax(1)
                .windowed(WindowedFunction.of(Codec.bytes(), Window.tumbling(SIZE), count))
                .build();
        try (Engine engine = new Engine(context.engineConfig(), new SimpleMeterRegistry())) {
            engine.deploy(function);
            long end = BenchContext.awaitCount(() -> EosPassthrough.committed(admin, function.groupId()), records,
                    "committed offsets");
            engine.undeployForGood(function.name());
            return end - first.get();
        }
    }

    /** Nanoseconds from the first record counted until the application committed every offset. */
    private static long kafkaStreams(BenchContext context, Admin admin, String input, String output, int records,
            int run) {
        AtomicLong first = new AtomicLong();
        StreamsBuilder builder = new StreamsBuilder();
        builder.<byte[], byte[]>stream(input)
                .peek((key, value) -> {
                    if (first.get() == 0) {
                        first.compareAndSet(0, System.nanoTime());
                    }
                })
                .groupByKey()
                .windowedBy(TimeWindows.ofSizeWithNoGrace(SIZE))
                .count(Materialized.<byte[], Long, WindowStore<Bytes, byte[]>>as("counts")
                        .withKeySerde(Serdes.ByteArray()).withValueSerde(Serdes.Long()))
                // Final results by suppression: measured here, emitStrategy(onWindowClose()) ran at a tenth of it
                .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()))
                .toStream((windowed, n) -> windowed.key())
                .mapValues(n -> Serdes.Long().serializer().serialize(output, n))
                .to(output);
        String applicationId = "bench-window-streams-" + input + "-" + run;
        Properties props = EosPassthrough.exactlyOnceStreams(context, applicationId, 1);
        try (KafkaStreams streams = new KafkaStreams(builder.build(), props)) {
            streams.start();
            long end = BenchContext.awaitCount(() -> EosPassthrough.committed(admin, applicationId), records,
                    "committed offsets");
            streams.close(Duration.ofSeconds(30));
            streams.cleanUp();
            return end - first.get();
        }
    }
}
