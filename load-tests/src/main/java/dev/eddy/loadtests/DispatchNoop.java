package dev.eddy.loadtests;

import dev.eddy.engine.Engine;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.RunningFunction;
import dev.eddy.engine.kafka.ClientConfigs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * {@code dispatch-noop}: the dispatcher's own cost. Pre-produced records through a handler that does nothing,
 * against a raw {@link KafkaConsumer} poll loop over the same records with the same consumer settings.
 */
final class DispatchNoop extends Scenario {

    static final int PARTITIONS = 6;
    static final int VALUE_BYTES = 100;
    static final int KEYS = 10_000;

    DispatchNoop() {
        super("dispatch-noop",
                "no-op handler vs a raw KafkaConsumer poll loop, same records, same run",
                0.9);
    }

    @Override
    public ScenarioResult run(BenchContext context) throws Exception {
        int records = context.records();
        String input = context.fill("bench-noop-in", PARTITIONS, records, VALUE_BYTES, KEYS);
        Throughput eddy = new Throughput("Eddy: no-op handler");
        Throughput raw = new Throughput("raw KafkaConsumer poll loop");
        Runs.alternate(context, records, raw, run -> rawConsume(context, input, records, run),
                eddy, run -> eddyNoop(context, input, records, run));
        return new ScenarioResult(eddy.figures(), raw.figures(), eddy.median() / raw.median(),
                Map.of("partitions", PARTITIONS, "value_bytes", VALUE_BYTES, "keys", KEYS));
    }

    /** Nanoseconds from the first record polled to the last. */
    static long rawConsume(BenchContext context, String input, int records, int run) {
        long seen = 0;
        long bytes = 0;
        long start = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                ClientConfigs.consumer(context.engineConfig(), "bench-raw-consume-" + input + "-" + run, "bench-raw"))) {
            consumer.subscribe(List.of(input));
            while (seen < records) {
                var polled = consumer.poll(Duration.ofMillis(100));
                if (start == 0 && !polled.isEmpty()) {
                    start = System.nanoTime();
                }
                for (ConsumerRecord<byte[], byte[]> record : polled) {
                    seen++;
                    bytes += record.value().length;
                }
            }
            long elapsed = System.nanoTime() - start;
            Runs.blackhole(bytes);
            return elapsed;
        }
    }

    /** Nanoseconds from the first handler call to the moment every record was handled. */
    private static long eddyNoop(BenchContext context, String input, int records, int run) {
        AtomicLong first = new AtomicLong();
        FunctionDefinition function = context.function("bench-noop-" + input + "-" + run, null)
                .input(input)
                .handler((event, ctx) -> {
                    if (first.get() == 0) {
                        first.compareAndSet(0, System.nanoTime());
                    }
                })
                .build();
        try (Engine engine = new Engine(context.engineConfig(), new SimpleMeterRegistry())) {
            RunningFunction running = engine.deploy(function);
            long end = BenchContext.awaitCount(() -> running.stats().processed(), records, "handled records");
            return end - first.get();
        }
    }
}
