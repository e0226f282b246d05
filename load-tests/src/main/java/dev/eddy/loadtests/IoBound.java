package dev.eddy.loadtests;

import dev.eddy.engine.Engine;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.RunningFunction;
import dev.eddy.engine.kafka.ClientConfigs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * {@code io-bound}: a handler that waits 20 ms per record, as one calling a remote service does. Eddy in KEY order
 * (records of a key in order, keys concurrently) against partition-serial dispatch, one record at a time per
 * partition, which is what Lambda's Kafka trigger and Knative's Kafka source do. The serial baseline handles about
 * 300 records a second on 6 partitions, so it is measured on a sample.
 */
final class IoBound extends Scenario {

    static final Duration IO_WAIT = Duration.ofMillis(20);
    static final int PARTITIONS = 6;
    static final int KEYS = 10_000;
    static final int KEYS_PER_CALL = 10;
    static final int MAX_CONCURRENCY = 1000;
    /** Records the serial baseline handles per run: 250 a partition, about 5 s. */
    static final int SERIAL_SAMPLE = 1_500;

    IoBound() {
        super("io-bound",
                "handler waiting 20 ms a record: Eddy in KEY order vs one record at a time per partition",
                100,
                false,
                1000,
                // Runs of 10-20 s: an engine's start and stop, and the JIT still compiling, weigh little beside
                // the calls.
                1_000_000);
    }

    @Override
    public ScenarioResult run(BenchContext context) throws Exception {
        int records = context.records();
        int sample = Math.min(records, SERIAL_SAMPLE);
        int concurrency = context.maxConcurrency(MAX_CONCURRENCY);
        // Ten keys per call that may run at once: in KEY order a key's records run one after the other, so with as
        // many keys as calls the keys, not the calls, would be the bound.
        int keys = Math.max(KEYS, KEYS_PER_CALL * concurrency);
        String input = context.fill("bench-io-in", PARTITIONS, records, DispatchNoop.VALUE_BYTES, keys);
        Throughput eddy = new Throughput("Eddy: KEY order, max concurrency " + concurrency);
        Throughput serial = new Throughput("one record at a time per partition");
        Runs.Cpu flowing = new Runs.Cpu();
        Runs.alternate(context, sample, serial, run -> partitionSerial(context, input, sample),
                records, eddy,
                run -> eddyKeyOrder(context, input, records, context.isMeasured(run) ? flowing : null, run));
        Map<String, Object> baseline = serial.figures();
        baseline.put("records_measured", sample);
        Map<String, Object> eddyFigures = eddy.figures();
        // The whole run's CPU includes an engine's start and stop, which a long-running engine pays once: what the
        // calls cost is the CPU from the first call to the last.
        flowing.into(eddyFigures, "cpu_seconds_per_million_records_first_to_last_call");
        // What the concurrency allows at the handler's wait (Little's law), and how much of it was reached.
        double ideal = concurrency / (IO_WAIT.toNanos() / 1e9);
        eddyFigures.put("ideal_records_per_sec", Math.round(ideal));
        eddyFigures.put("of_ideal", Math.round(eddy.median() / ideal * 1000) / 1000.0);
        return new ScenarioResult(eddyFigures, baseline, eddy.median() / serial.median(),
                Map.of("partitions", PARTITIONS, "keys", keys, "io_wait_ms", IO_WAIT.toMillis(),
                        "max_concurrency", concurrency));
    }

    /** Nanoseconds for a thread per partition to handle its share of the sample, one record after the other. */
    private static long partitionSerial(BenchContext context, String input, int sample) {
        AtomicLong first = new AtomicLong();
        List<Thread> workers = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            TopicPartition partition = new TopicPartition(input, p);
            int share = sample / PARTITIONS;
            workers.add(Thread.ofPlatform().name("bench-serial-" + p).start(() -> {
                Map<String, Object> props = ClientConfigs.reader(context.engineConfig(), "bench-serial");
                try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
                    consumer.assign(List.of(partition));
                    consumer.seekToBeginning(List.of(partition));
                    int handled = 0;
                    while (handled < share) {
                        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                            if (handled++ >= share) {
                                break;
                            }
                            first.compareAndSet(0, System.nanoTime());
                            LockSupport.parkNanos(IO_WAIT.toNanos()); // the handler's simulated I/O
                        }
                    }
                }
            }));
        }
        for (Thread worker : workers) {
            try {
                worker.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return System.nanoTime() - first.get();
    }

    /**
     * Nanoseconds from the first handler call to the last.
     *
     * @param flowing takes the CPU from the first call to the last; null in a warm-up
     */
    private static long eddyKeyOrder(BenchContext context, String input, int records, Runs.Cpu flowing, int run) {
        AtomicLong first = new AtomicLong();
        FunctionDefinition function = context.function("bench-io-" + input + "-" + run, MAX_CONCURRENCY)
                .input(input)
                .handler((event, ctx) -> {
                    if (first.get() == 0 && first.compareAndSet(0, System.nanoTime()) && flowing != null) {
                        flowing.start();
                    }
                    LockSupport.parkNanos(IO_WAIT.toNanos()); // the handler's simulated I/O
                })
                .build();
        try (Engine engine = new Engine(context.engineConfig(), new SimpleMeterRegistry())) {
            RunningFunction running = engine.deploy(function);
            long end = BenchContext.awaitCount(() -> running.stats().processed(), records, "handled records");
            if (flowing != null) {
                flowing.stop(records);
            }
            return end - first.get();
        }
    }
}
