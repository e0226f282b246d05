package dev.eddy.loadtests;

import dev.eddy.engine.Engine;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.RunningFunction;
import dev.eddy.engine.manifest.FunctionFactory;
import dev.eddy.engine.manifest.ManifestParser;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code remote-passthrough}: a Python function and a Node.js function that the engine runs (its processes, batches
 * over loopback) emitting every record, against the Java handler doing the same, in the same run. The baseline is
 * the Java handler: what the language's process and the protocol cost on top of it. The CPU figures count the
 * language processes too.
 */
final class RemotePassthrough extends Scenario {

    static final int BATCH = 500;
    /**
     * A batch gathers in one lane: in KEY order a lane per key group, so batches of a record or two (1.7 on
     * average, measured); in PARTITION order a lane per partition, so batches fill.
     */
    static final String ORDERING = System.getProperty("eddy.bench.remote.ordering", "PARTITION");

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
        extra.put("node", node.figures());
        extra.put("node_ratio", node.median() / java.median());
        return new ScenarioResult(python.figures(), java.figures(), python.median() / java.median(), extra);
    }

    /**
     * Nanoseconds from the first output emitted to the last; the processes' own CPU is counted in the run's before
     * they stop.
     */
    private static long languagePassthrough(BenchContext context, Path work, String runtime, String input,
            String output, int records, int run) {
        String name = "bench-" + runtime + "-" + input + "-" + run;
        Path folder = work.resolve(name);
        try {
            Files.createDirectories(folder);
            Files.writeString(folder.resolve(runtime.equals("python") ? "main.py" : "index.mjs"),
                    runtime.equals("python") ? PYTHON : NODE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String manifest = String.join("\n", "name: " + name, "runtime: " + runtime,
                "handler: " + (runtime.equals("python") ? "main" : "index.mjs"), "inputs: [" + input + "]",
                "outputs: {default: " + output + "}", "formats: {key: bytes, value: bytes}",
                "batch: {maxSize: " + BATCH + ", maxWait: 5ms}", "ordering: " + ORDERING, "");
        FunctionDefinition function = new FunctionFactory(System::getenv).definition(ManifestParser.parse(manifest),
                null, folder);
        try (Engine engine = new Engine(context.engineConfig(), new SimpleMeterRegistry())) {
            RunningFunction running = engine.deploy(function);
            // From the first record out, as the Java side counts from its first call: the processes' start is
            // the cold-start scenario's business.
            long first = BenchContext.awaitCount(() -> running.stats().emitted(), 1, runtime + " first record");
            long end = BenchContext.awaitCount(() -> running.stats().emitted(), records, runtime + " emitted records");
            long nanos = end - first;
            Runs.countChildrenCpu();
            return nanos;
        }
    }
}
