package dev.eddy.loadtests;

import dev.eddy.engine.Engine;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.FunctionState;
import dev.eddy.engine.RunningFunction;
import dev.eddy.engine.kafka.ClientConfigs;
import dev.eddy.engine.manifest.FunctionFactory;
import dev.eddy.engine.manifest.ManifestParser;
import dev.eddy.sdk.Context;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.Handler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;

/**
 * {@code remote-passthrough}: a Python function and a Node.js function that the engine runs (its processes, batches
 * over loopback) emitting every record, against the Java handler doing the same, in the same run. The baseline is
 * the Java handler: what the language's process and the protocol cost on top of it. The CPU figures count the
 * language processes too. Then, for each of the three: the latency from produce to the output read back at a
 * steady rate, and the cold start from zero (no worker, no process) to the output read back.
 */
final class RemotePassthrough extends Scenario {

    static final int BATCH = 500;
    /**
     * A batch gathers in one lane: in KEY order a lane per key group, so batches of a record or two (1.7 on
     * average, measured); in PARTITION order a lane per partition, so batches fill.
     */
    static final String ORDERING = System.getProperty("eddy.bench.remote.ordering", "PARTITION");
    /** The language functions' maxConcurrency; the manifest's default unless set. */
    static final Integer CONCURRENCY = Integer.getInteger("eddy.bench.remote.concurrency");
    /** The aim for a language function's cold start. */
    static final double TARGET_COLD_START_P99_MS = 1000;

    private static final String PYTHON = """
            def handle_batch(events, ctx):
                for event in events:
                    ctx.emit(event.value, of=event)
            """;
    private static final String NODE = """
            export function handleBatch(events, ctx) {
              for (const event of events) ctx.emit(event.value, { of: event });
            }
            """;

    RemotePassthrough() {
        super("remote-passthrough", "Python and Node.js functions run by Eddy (batches of " + BATCH + ") vs the Java"
                + " handler doing the same, same run", Double.NaN, false, 1000, 200_000, 1);
    }

    @Override
    public ScenarioResult run(BenchContext context) throws Exception {
        int records = context.records();
        String input = context.fill("bench-remote-in", DispatchNoop.PARTITIONS, records, DispatchNoop.VALUE_BYTES,
                DispatchNoop.KEYS);
        Path work = Files.createTempDirectory("eddy-bench-remote");
        Throughput java = new Throughput("Java handler emits each record");
        Throughput python = new Throughput("Python function (batches of " + BATCH + ")");
        Throughput node = new Throughput("Node.js function (batches of " + BATCH + ")");
        Runs.alternate(context, records,
                java, run -> Passthrough.eddyPassthrough(context, input,
                        context.newTopic("bench-remote-java-out", DispatchNoop.PARTITIONS), records, run),
                python, run -> languagePassthrough(context, work, "python", input,
                        context.newTopic("bench-remote-py-out", DispatchNoop.PARTITIONS), records, run));
        Runs.alternate(context, records,
                java, run -> Passthrough.eddyPassthrough(context, input,
                        context.newTopic("bench-remote-java-out", DispatchNoop.PARTITIONS), records, 1000 + run),
                node, run -> languagePassthrough(context, work, "node", input,
                        context.newTopic("bench-remote-node-out", DispatchNoop.PARTITIONS), records, 1000 + run));
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("partitions", DispatchNoop.PARTITIONS);
        extra.put("value_bytes", DispatchNoop.VALUE_BYTES);
        extra.put("batch", BATCH);
        extra.put("language_ordering", ORDERING);
        extra.put("node", node.figures());
        extra.put("node_ratio", node.median() / java.median());
        int latencyRecords = Math.max(100, Math.min(records / 10, 10_000));
        Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("what", "produce → the function → its output read back, at " + EndToEndLatency.RATE
                + " records/s");
        latency.put("records", latencyRecords);
        int trials = Math.max(1, Math.min(records / 5_000, 20));
        Map<String, Object> coldStart = new LinkedHashMap<>();
        coldStart.put("what", "the function at zero (no worker, no process), one record produced → read from its"
                + " output");
        coldStart.put("trials", trials);
        coldStart.put("target_p99_ms", TARGET_COLD_START_P99_MS);
        for (String runtime : List.of("java", "python", "node")) {
            Histogram measured = latency(context, work, runtime, latencyRecords);
            latency.put(runtime, EndToEndLatency.percentiles(measured));
            context.progress("    %-44s p50 %6.1f ms   p99 %6.1f ms", runtime + ": latency at "
                    + EndToEndLatency.RATE + "/s", measured.getValueAtPercentile(50) / 1000.0,
                    measured.getValueAtPercentile(99) / 1000.0);
            Histogram cold = coldStart(context, work, runtime, trials);
            coldStart.put(runtime, EndToEndLatency.percentiles(cold));
            context.progress("    %-44s p50 %6.1f ms   p99 %6.1f ms", runtime + ": cold start from zero",
                    cold.getValueAtPercentile(50) / 1000.0, cold.getValueAtPercentile(99) / 1000.0);
        }
        extra.put("latency", latency);
        extra.put("cold_start", coldStart);
        return new ScenarioResult(python.figures(), java.figures(), python.median() / java.median(), extra);
    }

    /**
     * Nanoseconds from the first output emitted to the last; the processes' own CPU is counted in the run's before
     * they stop.
     */
    private static long languagePassthrough(BenchContext context, Path work, String runtime, String input,
            String output, int records, int run) {
        FunctionDefinition function = definition(work, runtime, "bench-" + runtime + "-" + input + "-" + run, input,
                output, "batch: {maxSize: " + BATCH + ", maxWait: 5ms}", "ordering: " + ORDERING,
                CONCURRENCY == null ? "" : "maxConcurrency: " + CONCURRENCY);
        try (Engine engine = new Engine(context.engineConfig(), new SimpleMeterRegistry())) {
            RunningFunction running = engine.deploy(function);
            // From the first record out, as the Java side counts from its first call: the processes' start is
            // the cold start's business.
            long first = BenchContext.awaitCount(() -> running.stats().emitted(), 1, runtime + " first record");
            long end = BenchContext.awaitCount(() -> running.stats().emitted(), records, runtime + " emitted records");
            long nanos = end - first;
            Runs.countChildrenCpu();
            return nanos;
        }
    }

    /**
     * Records produced at {@link EndToEndLatency#RATE} a second, each holding the moment it was sent, through the
     * function (which emits it as it came) to a consumer of its output: the time from sending to reading it back.
     */
    private static Histogram latency(BenchContext context, Path work, String runtime, int records) throws Exception {
        String input = context.newTopic("bench-remote-lat-in", DispatchNoop.PARTITIONS);
        String output = context.newTopic("bench-remote-lat-out", DispatchNoop.PARTITIONS);
        FunctionDefinition function = definition(work, runtime, "bench-lat-" + runtime + "-" + input, input, output,
                "batch: {maxSize: " + BATCH + ", maxWait: 5ms}", "ordering: " + ORDERING);
        Recorder recorder = new Recorder(EndToEndLatency.MAX_MICROS, 3);
        try (Engine engine = new Engine(context.engineConfig(), new SimpleMeterRegistry());
                KafkaConsumer<byte[], byte[]> consumer = outputConsumer(context, output)) {
            RunningFunction running = engine.deploy(function);
            BenchContext.awaitCount(running::assignedPartitions, DispatchNoop.PARTITIONS, "assigned partitions");
            Thread producer = Thread.ofPlatform().name("bench-remote-lat-producer")
                    .start(() -> EndToEndLatency.produce(context, input, records));
            readBack(consumer, records, 120, runtime, recorder::recordValue);
            producer.join();
        }
        return recorder.getIntervalHistogram();
    }

    /**
     * The function scaled to zero (no worker, no process), one record produced, the time until it is read from the
     * function's output — over {@code trials}, the function going back to zero between them. The first wake-up
     * is not counted (the engine's own classes load then).
     */
    private static Histogram coldStart(BenchContext context, Path work, String runtime, int trials) throws Exception {
        String input = context.newTopic("bench-remote-cold-in", ColdStart.PARTITIONS);
        String output = context.newTopic("bench-remote-cold-out", ColdStart.PARTITIONS);
        FunctionDefinition function = definition(work, runtime, "bench-cold-" + runtime + "-" + input, input, output,
                "scaling: {min: 0, idleAfter: " + ColdStart.IDLE_AFTER.toMillis() + "ms}");
        Histogram histogram = new Histogram(EndToEndLatency.MAX_MICROS, 3);
        try (Engine engine = new Engine(context.engineConfig(), new SimpleMeterRegistry());
                KafkaConsumer<byte[], byte[]> consumer = outputConsumer(context, output);
                KafkaProducer<byte[], byte[]> producer = ColdStart.producer(context)) {
            RunningFunction running = engine.deploy(function);
            for (int trial = 0; trial <= trials; trial++) {
                BenchContext.awaitCondition(() -> running.state() == FunctionState.IDLE, 60, 5,
                        runtime + " function to scale to zero");
                ColdStart.send(producer, input, trial);
                boolean measured = trial > 0;
                readBack(consumer, 1, 60, runtime, micros -> {
                    if (measured) {
                        histogram.recordValue(micros);
                    }
                });
            }
        }
        return histogram;
    }

    /**
     * Reads this many records from the function's output, each one's microseconds since it was sent to {@code took}.
     *
     * @throws IllegalStateException when they are not all out within {@code seconds}
     */
    private static void readBack(KafkaConsumer<byte[], byte[]> consumer, int count, int seconds, String runtime,
            java.util.function.LongConsumer took) {
        int seen = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (seen < count) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(runtime + ": " + seen + " of " + count + " records out in " + seconds
                        + " s");
            }
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(5))) {
                took.accept(EndToEndLatency.sinceSent(record.value()));
                seen++;
            }
        }
    }

    /** A consumer of every partition of the output from its start, in no group. */
    private static KafkaConsumer<byte[], byte[]> outputConsumer(BenchContext context, String output) {
        Map<String, Object> props = new java.util.HashMap<>(ClientConfigs.consumer(context.engineConfig(),
                "bench-remote-out-" + output, "bench-remote-out"));
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props);
        consumer.assign(consumer.partitionsFor(output).stream()
                .map(info -> new TopicPartition(output, info.partition())).toList());
        return consumer;
    }

    /**
     * A function that emits each record as it came (bytes in, bytes out), written in the runtime: java (a class of
     * this jar), python or node (a folder made for it).
     */
    private static FunctionDefinition definition(Path work, String runtime, String name, String input,
            String output, String... more) {
        List<String> manifest = new ArrayList<>(List.of("name: " + name, "inputs: [" + input + "]",
                "outputs: {default: " + output + "}", "formats: {key: bytes, value: bytes}"));
        Path folder = work.resolve(name);
        // The Java handler takes one event at a time, as fast as a batch: the batch settings are the languages'.
        manifest.addAll(List.of(more).stream().filter(line -> !line.isEmpty()
                && !(runtime.equals("java") && line.startsWith("batch:"))).toList());
        if (runtime.equals("java")) {
            manifest.add("handler: " + Relay.class.getName());
        } else {
            manifest.add("runtime: " + runtime);
            manifest.add("handler: " + (runtime.equals("python") ? "main" : "index.mjs"));
            try {
                Files.createDirectories(folder);
                Files.writeString(folder.resolve(runtime.equals("python") ? "main.py" : "index.mjs"),
                        runtime.equals("python") ? PYTHON : NODE);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new FunctionFactory(System::getenv).definition(ManifestParser.parse(String.join("\n", manifest)
                + "\n"), RemotePassthrough.class.getClassLoader(), folder);
    }

    /** The Java function of the latency and cold-start runs: emits each record as it came. */
    public static final class Relay implements Handler {
        @Override
        public void handle(Event event, Context context) {
            context.emit(event);
        }
    }
}
