package dev.eddy.engine.telemetry;

import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.RunningFunction;
import dev.eddy.engine.internal.dispatch.FunctionMetrics.Usage;
import dev.eddy.engine.kafka.ClientConfigs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Usage metering: every period, each function's calls and billed milliseconds on this engine since the last
 * report go to the usage topic as a {@link UsageRecord} (keyed by function), and once more when the function stops
 * or the engine closes, so that every call is billed once. {@code ./eddy usage} adds them up.
 */
public final class UsageReporter implements AutoCloseable {

    /** The partitions of the topic of usage records, {@code <prefix>.usage}. */
    public static final int PARTITIONS = 3;

    private static final Logger log = LoggerFactory.getLogger(UsageReporter.class);
    private static final Usage NONE = new Usage(0, 0, 0);

    private final String engine;
    private final Supplier<Collection<RunningFunction>> functions;
    private final KafkaProducer<byte[], byte[]> producer;
    /** Where it writes: {@code <prefix>.usage}. */
    private final String topic;
    private final ScheduledExecutorService timer;
    /** What was last reported of each function, and when. */
    private final Map<RunningFunction, Usage> reported = new IdentityHashMap<>();
    private final Map<RunningFunction, Instant> reportedAt = new IdentityHashMap<>();

    public UsageReporter(EngineConfig config, String engine, Supplier<Collection<RunningFunction>> functions) {
        this.engine = engine;
        this.functions = functions;
        this.producer = new KafkaProducer<>(ClientConfigs.producer(config, "eddy-usage-" + engine));
        this.topic = config.names().usage();
        long interval = config.getLong(EngineConfig.USAGE_INTERVAL_MS);
        this.timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("eddy-usage").daemon().factory());
        timer.scheduleAtFixedRate(this::reportAll, interval, interval, TimeUnit.MILLISECONDS);
    }

    private void reportAll() {
        for (RunningFunction function : functions.get()) {
            report(function);
        }
    }

    /** Reports what a function used since its last report, if anything. */
    public synchronized void report(RunningFunction function) {
        Usage now = function.usage();
        Usage last = reported.getOrDefault(function, NONE);
        long calls = now.invocations() - last.invocations();
        if (calls <= 0) {
            return;
        }
        long billed = now.billedMillis() - last.billedMillis();
        Instant from = reportedAt.getOrDefault(function, function.deployedAt());
        Instant to = Instant.now();
        Usage delta = new Usage(calls, billed, now.memoryMb());
        UsageRecord record = new UsageRecord(function.name(), function.definition().version(), engine,
                from.toString(), to.toString(), calls, billed, now.memoryMb(), delta.gbSeconds());
        producer.send(new ProducerRecord<>(topic, function.name().getBytes(StandardCharsets.UTF_8),
                record.toJson()), (metadata, e) -> {
                    if (e != null) {
                        log.error("Usage of function '{}' ({} calls, {} ms) could not be written to '{}': {}",
                                function.name(), calls, billed, topic, e.toString());
                    }
                });
        reported.put(function, now);
        reportedAt.put(function, to);
    }

    /** Reports a function's last usage and forgets it (it stopped). */
    public synchronized void last(RunningFunction function) {
        report(function);
        reported.remove(function);
        reportedAt.remove(function);
    }

    /** Reports what is left of every function and waits until Kafka has it. */
    @Override
    public void close() {
        timer.shutdownNow();
        List.copyOf(functions.get()).forEach(this::last);
        producer.close(Duration.ofSeconds(10));
    }
}
