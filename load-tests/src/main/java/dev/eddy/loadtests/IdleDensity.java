package dev.eddy.loadtests;

import dev.eddy.engine.Engine;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.FunctionState;
import dev.eddy.engine.RunningFunction;
import dev.eddy.engine.kafka.ClientConfigs;
import dev.eddy.observability.MetricsEndpoint;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * {@code idle-density}: {@code --records} functions (1,000 unless set) deployed at zero on one engine, each with an
 * input topic of its own — the heap they hold (after a full collection, over what the JVM held before) and the CPU
 * the engine spends on them while nothing arrives, then the time one of them takes to wake for a record. The
 * baseline is what a consumer each would cost: idle raw consumers, one per topic in a group each, all polled by a
 * single thread (cheaper than a thread each, as a raw deployment would have) — {@link #RAW_CONSUMERS} of them, since
 * a thousand overload this machine's broker (each consumer heartbeats), with their figures also given per consumer
 * and scaled to the functions' count. The broker runs in the same JVM: what it held before is not counted, and
 * of the threads only Eddy's, the benchmark's and the Kafka clients' are (by name).
 */
final class IdleDensity extends Scenario {

    static final double TARGET_HEAP_MB = 512;
    static final double TARGET_CPU_PCT = 2;
    /** The measured window: 20 s for a thousand functions, shorter for a few (at least 2 s). */
    private static Duration window(int functions) {
        return Duration.ofMillis(Math.max(2_000, Math.min(20_000, functions * 20L)));
    }

    static final int RAW_CONSUMERS = 100;

    IdleDensity() {
        super("idle-density",
                "functions deployed at zero on one engine: heap and CPU while idle, vs an idle raw consumer per"
                        + " function",
                Double.NaN,
                true,
                10,
                1_000); // the targets are Eddy's own heap and CPU
    }

    @Override
    public ScenarioResult run(BenchContext context) throws Exception {
        int count = context.records();
        List<FunctionDefinition> functions = new ArrayList<>();
        List<String> topics = new ArrayList<>();
        CountDownLatch woken = new CountDownLatch(1);
        for (int i = 0; i < count; i++) {
            String input = "bench-idle-in-" + i;
            // The last one tells when a record woke it; the others do nothing.
            dev.eddy.sdk.Handler handler = i == count - 1 ? (event, ctx) -> woken.countDown() : (event, ctx) -> { };
            FunctionDefinition function = context.function("bench-idle-" + i, null).input(input)
                    .scaleToZero(Duration.ofSeconds(1)).handler(handler).build();
            functions.add(function);
            topics.add(input);
            topics.add(function.deadLetterTopic());
            topics.add(function.replayTopic());
        }
        long start = System.nanoTime();
        context.createTopics(topics);
        context.progress("    created %,d topics (inputs, dead-letter and replay topics) in %.1f s", topics.size(),
                (System.nanoTime() - start) / 1e9);

        int rawCount = Math.min(count, RAW_CONSUMERS);
        Map<String, Object> raw = raw(context, rawCount, topics);
        Map<String, Object> eddy = eddy(context, functions, woken);
        double perConsumerMb = (double) raw.get("heap_mb") / rawCount;
        double perConsumerCpu = (double) raw.get("cpu_pct") / rawCount;
        raw.put("consumers", rawCount);
        raw.put("heap_mb_per_consumer", Math.round(perConsumerMb * 1000) / 1000.0);
        raw.put("cpu_pct_per_consumer", Math.round(perConsumerCpu * 10000) / 10000.0);
        raw.put("heap_mb_scaled_to_functions", Math.round(perConsumerMb * count * 10) / 10.0);
        raw.put("cpu_pct_scaled_to_functions", Math.round(perConsumerCpu * count * 100) / 100.0);
        eddy.put("heap_mb_per_function", Math.round((double) eddy.get("heap_mb") / count * 1000) / 1000.0);
        eddy.put("target_heap_mb", TARGET_HEAP_MB);
        eddy.put("target_cpu_pct", TARGET_CPU_PCT);
        eddy.put("target_met", (double) eddy.get("heap_mb") < TARGET_HEAP_MB
                && (double) eddy.get("cpu_pct") < TARGET_CPU_PCT);
        double ratio = (double) eddy.get("heap_mb") / Math.max(0.1, (double) raw.get("heap_mb_scaled_to_functions"));
        return new ScenarioResult(eddy, raw, ratio, Map.of("functions", count, "window_s", window(count).toSeconds(),
                "idle_watch_interval_ms", context.engineConfig().getLong(
                        dev.eddy.engine.EngineConfig.IDLE_WATCH_INTERVAL_MS), "ratio_of",
                "heap_mb, against the raw consumers' scaled to as many functions"));
    }

    private static Map<String, Object> eddy(BenchContext context, List<FunctionDefinition> functions,
            CountDownLatch woken) throws Exception {
        Usage before = Usage.now();
        FunctionDefinition last = functions.get(functions.size() - 1);
        long start = System.nanoTime();
        io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry = MetricsEndpoint.newRegistry();
        try (Engine engine = new Engine(context.engineConfig(), registry)) {
            List<RunningFunction> deployed = new ArrayList<>();
            for (FunctionDefinition function : functions) {
                deployed.add(engine.deploy(function));
            }
            double deploySeconds = (System.nanoTime() - start) / 1e9;
            context.progress("    Eddy: deployed %,d functions at zero in %.1f s", functions.size(), deploySeconds);
            BenchContext.awaitCondition(() -> engine.watchedAtZero() == functions.size(), 300, 50,
                    "the watcher to know every function");
            if (deployed.stream().anyMatch(f -> f.state() != FunctionState.IDLE)) {
                throw new IllegalStateException("a function is not at zero");
            }
            // Steady state: each controller asks for none.
            BenchContext.awaitCondition(() -> deployed.stream().allMatch(f -> f.scaling().workers() == 0), 300, 50,
                    "every scaling controller to ask for no workers");
            Map<String, Object> figures = measure(before, "Eddy: functions deployed at zero, one watcher",
                    window(functions.size()));
            figures.put("deploy_s", Math.round(deploySeconds * 10) / 10.0);
            // What Prometheus scrapes from this engine: every function's series, and the JVM's and engine's own.
            String scrape = registry.scrape();
            long series = scrape.lines().filter(line -> !line.isEmpty() && !line.startsWith("#")).count();
            long functionSeries = scrape.lines().filter(line -> line.contains("function=\"")).count();
            figures.put("metrics_kb", Math.round(scrape.length() / 102.4) / 10.0);
            figures.put("metrics_series", series);
            figures.put("metrics_series_per_function", Math.round(functionSeries * 10.0 / functions.size()) / 10.0);
            context.progress("    Eddy: /metrics %.1f KB, %,d series (%.1f per function)", figures.get("metrics_kb"),
                    series, figures.get("metrics_series_per_function"));
            long sent = System.nanoTime();
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                    ClientConfigs.producer(context.engineConfig(), "bench-idle"))) {
                producer.send(new ProducerRecord<>(last.inputs().get(0), "k".getBytes(StandardCharsets.UTF_8),
                        "v".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
            }
            if (!woken.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the function did not wake within 60 s");
            }
            double wakeMillis = (System.nanoTime() - sent) / 1e6;
            figures.put("wake_ms", Math.round(wakeMillis * 10) / 10.0);
            context.progress("    Eddy: heap %.1f MB, CPU %.2f %% of a core; one of them woke for a record in %.0f ms",
                    figures.get("heap_mb"), figures.get("cpu_pct"), wakeMillis);
            return figures;
        }
    }

    private static Map<String, Object> raw(BenchContext context, int count, List<String> topics) throws Exception {
        Usage before = Usage.now();
        List<KafkaConsumer<byte[], byte[]>> consumers = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicBoolean allAssigned = new AtomicBoolean();
        Thread poller = null;
        try {
            for (int i = 0; i < count; i++) {
                KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(ClientConfigs.consumer(
                        context.engineConfig(), "bench-idle-raw-" + i, "bench-idle-raw-" + i));
                consumer.subscribe(List.of(topics.get(3 * i)));
                consumers.add(consumer);
            }
            poller = Thread.ofPlatform().name("bench-idle-raw-poller").start(() -> {
                while (!stop.get()) {
                    boolean assigned = true;
                    for (KafkaConsumer<byte[], byte[]> consumer : consumers) {
                        consumer.poll(Duration.ZERO);
                        assigned &= !consumer.assignment().isEmpty();
                    }
                    allAssigned.compareAndSet(false, assigned);
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                }
            });
            BenchContext.awaitCondition(allAssigned::get, 300, 50, "every raw consumer to have its partition");
            Map<String, Object> figures = measure(before, "raw: an idle consumer per function, one polling thread",
                    window(count));
            context.progress("    raw:  %d consumers: heap %.1f MB, CPU %.2f %% of a core", count,
                    figures.get("heap_mb"), figures.get("cpu_pct"));
            return figures;
        } finally {
            stop.set(true);
            if (poller != null) {
                poller.join();
            }
            consumers.forEach(KafkaConsumer::close);
        }
    }

    /** Heap and CPU over the window, against what was used before. */
    private static Map<String, Object> measure(Usage before, String what, Duration window) {
        Usage start = Usage.now();
        LockSupport.parkNanos(window.toNanos()); // the measured window: nothing arrives
        Usage end = Usage.now();
        double cpuPct = 100.0 * end.cpuNanosSince(start, before.threads) / (end.nanos - start.nanos);
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("what", what);
        figures.put("heap_mb", Math.round((end.heapBytes - before.heapBytes) / 1048576.0 * 10) / 10.0);
        figures.put("cpu_pct", Math.round(cpuPct * 100) / 100.0);
        figures.put("threads", end.threads.size() - before.threads.size());
        figures.put("busiest_threads", end.busiest(start, before.threads, 5));
        return figures;
    }

    /** The heap after a full collection, and every thread's CPU time, at one moment. */
    private static final class Usage {
        final long nanos = System.nanoTime();
        final long heapBytes;
        final Map<Long, Long> cpu = new HashMap<>();
        final Map<Long, String> names = new HashMap<>();
        final Set<Long> threads = new HashSet<>();

        private Usage() {
            System.gc();
            System.gc();
            heapBytes = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            ThreadMXBean bean = ManagementFactory.getThreadMXBean();
            for (java.lang.management.ThreadInfo info : bean.getThreadInfo(bean.getAllThreadIds())) {
                if (info != null) {
                    threads.add(info.getThreadId());
                    names.put(info.getThreadId(), info.getThreadName());
                    cpu.put(info.getThreadId(), Math.max(0, bean.getThreadCpuTime(info.getThreadId())));
                }
            }
        }

        static Usage now() {
            return new Usage();
        }

        /** Whether a thread is Eddy's, the benchmark's or a Kafka client's, rather than the broker's. */
        boolean counted(long thread) {
            String name = names.get(thread);
            return name.startsWith("eddy") || name.startsWith("bench") || name.contains("| eddy")
                    || name.contains("| bench") || name.equals("consumer_background_thread")
                    || name.startsWith("ForkJoinPool");
        }

        /** CPU time since {@code start} of the counted threads that were not alive at {@code baseline}. */
        long cpuNanosSince(Usage start, Set<Long> baseline) {
            return measured(baseline).map(thread -> used(start, thread)).sum();
        }

        List<String> busiest(Usage start, Set<Long> baseline, int n) {
            return measured(baseline).boxed().sorted((a, b) -> Long.compare(used(start, b), used(start, a)))
                    .limit(n).map(thread -> String.format(java.util.Locale.ROOT, "%s %.1f ms", names.get(thread),
                            used(start, thread) / 1e6))
                    .toList();
        }

        /** The counted threads alive now that were not at {@code baseline}. */
        private java.util.stream.LongStream measured(Set<Long> baseline) {
            return cpu.keySet().stream().mapToLong(Long::longValue)
                    .filter(thread -> !baseline.contains(thread) && counted(thread));
        }

        /** A thread's CPU time since {@code start}. */
        private long used(Usage start, long thread) {
            return cpu.get(thread) - start.cpu.getOrDefault(thread, 0L);
        }
    }
}
