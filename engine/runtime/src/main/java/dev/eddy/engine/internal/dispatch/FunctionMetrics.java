package dev.eddy.engine.internal.dispatch;

import dev.eddy.engine.FailureReason;
import dev.eddy.engine.state.StateMetrics;
import dev.eddy.observability.EddyMeter;
import dev.eddy.observability.Meters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/**
 * The meters of one function, registered from the {@link EddyMeter} catalogue and tagged with the function and its
 * version; the gauges read what the function's workers report through {@link Live} (summed over them; the lag in
 * seconds is the largest).
 *
 * <p>An engine may hold a thousand functions, so each has few series: histograms with a dozen fixed buckets, and
 * no series for what it does not use — the keyed-state meters only for a function that declares state, the
 * cold-start meters once it was first woken from zero, a dead-letter counter per reason once a record is
 * dead-lettered for it, and of Kafka's own client metrics only those the dashboard reads
 * ({@link #KAFKA_CLIENT_METERS}).
 *
 * <p>Threading: counters and timers are updated from lanes and the producer's thread; gauges are read on the
 * scraping thread from each worker's {@link Live}.
 */
public final class FunctionMetrics {

    /**
     * What the gauges read from the running function; every method is called on the scraping thread. Each reads 0
     * unless told otherwise: a function without a running worker shows nothing in flight.
     */
    public interface Live {
        default long inFlight() {
            return 0;
        }

        default int concurrency() {
            return 0;
        }

        default int assignedPartitions() {
            return 0;
        }

        default int pausedPartitions() {
            return 0;
        }

        default long lag() {
            return 0;
        }

        default double lagSeconds() {
            return 0;
        }
    }

    final Counter received;
    final Counter succeeded;
    final Counter failed;
    final Counter emits;
    final Counter retries;
    final Counter partitionsRevoked;
    /** Kafka's client metrics a function's workers keep (Micrometer's names); the rest are not registered. */
    public static final java.util.Set<String> KAFKA_CLIENT_METERS = java.util.Set.of(
            "kafka.consumer.fetch.manager.records.consumed.rate",
            // a windowed function's Kafka Streams thread: records processed, commits, punctuations
            "kafka.stream.thread.process.rate", "kafka.stream.thread.commit.latency.avg",
            "kafka.stream.thread.punctuate.rate");

    /** The meters a function registers only when it first uses them (see the class comment). */
    public static final java.util.Set<EddyMeter> REGISTERED_ON_FIRST_USE = java.util.Set.of(EddyMeter.COLD_STARTS,
            EddyMeter.COLD_START_DURATION, EddyMeter.DEAD_LETTERED, EddyMeter.WINDOWS_CLOSED,
            EddyMeter.WINDOW_RESULT_LATENCY);

    /** The handler duration's buckets: 1 ms to 30 s. */
    private static final Duration[] CALL_BUCKETS = millis(1, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000,
            10_000, 30_000);
    /** The end-to-end latency's buckets: 5 ms to a minute. */
    private static final Duration[] LATENCY_BUCKETS = millis(5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000,
            10_000, 60_000);
    /** The cold start's buckets: 25 ms to 30 s. */
    private static final Duration[] COLD_START_BUCKETS = millis(25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000,
            30_000);

    private final MeterRegistry registry;
    private final Map<FailureReason, Counter> deadLettered = new java.util.concurrent.ConcurrentHashMap<>();
    final Timer handlerDuration;
    final Timer endToEndLatency;
    /** A windowed function's meters, registered at its first closed window (null until then). */
    private volatile Counter windowsClosed;
    private volatile Timer windowResultLatency;
    /** The cold-start meters, registered at the function's first cold start (null until then). */
    private volatile Counter coldStarts;
    private volatile Timer coldStartDuration;
    /** Whether the function is at zero on this engine, for its gauge. */
    private volatile boolean idle;
    /** What its scaling controller asks for. */
    private volatile int desiredWorkers = 1;
    /** The workers it runs on this engine now. */
    private volatile int workers;
    /** The end-to-end latency of the last timed call, in milliseconds. */
    volatile long lastEndToEndMillis;
    /** The keyed-state meters (registered only for a function that declares state). */
    public final StateMetrics state;
    private final Tags tags;
    /** Kafka's metrics of each worker's clients, by the worker's consumer. */
    private final Map<Object, List<KafkaClientMetrics>> clients = new java.util.concurrent.ConcurrentHashMap<>();
    /** What each running worker reports. */
    private final List<Live> live = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Usage: handler calls (a batch is one), and their durations each rounded up to the millisecond. */
    private final LongAdder usageCalls = new LongAdder();
    private final LongAdder usageBilledMillis = new LongAdder();
    /** The function's memory class, for GB-seconds. */
    private final int memoryMb;

    /**
     * @param stateful whether it declares keyed state: only then are its state meters registered
     */
    public FunctionMetrics(MeterRegistry registry, String function, String version, int maxConcurrency,
            int memoryMb, boolean stateful) {
        this.registry = registry;
        this.tags = Tags.of("function", function, "version", version);
        this.memoryMb = memoryMb;
        received = Meters.counter(registry, EddyMeter.RECORDS_RECEIVED, tags);
        succeeded = Meters.counter(registry, EddyMeter.INVOCATIONS, tags.and("outcome", "success"));
        failed = Meters.counter(registry, EddyMeter.INVOCATIONS, tags.and("outcome", "failure"));
        emits = Meters.counter(registry, EddyMeter.EMITS, tags);
        retries = Meters.counter(registry, EddyMeter.RETRIES, tags);
        partitionsRevoked = Meters.counter(registry, EddyMeter.PARTITIONS_REVOKED, tags);
        handlerDuration = Meters.timerWithBuckets(registry, EddyMeter.HANDLER_DURATION, tags, CALL_BUCKETS);
        endToEndLatency = Meters.timerWithBuckets(registry, EddyMeter.END_TO_END_LATENCY, tags, LATENCY_BUCKETS);
        Meters.gauge(registry, EddyMeter.IDLE, tags, this, m -> m.idle ? 1 : 0);
        Meters.gauge(registry, EddyMeter.DESIRED_WORKERS, tags, this, m -> m.desiredWorkers);
        Meters.gauge(registry, EddyMeter.WORKERS, tags, this, m -> m.workers);
        Meters.gauge(registry, EddyMeter.IN_FLIGHT, tags, this, m -> m.sum(Live::inFlight));
        Meters.gauge(registry, EddyMeter.CONCURRENCY, tags, this, FunctionMetrics::running);
        Meters.gauge(registry, EddyMeter.MAX_CONCURRENCY, tags, maxConcurrency, n -> n);
        Meters.gauge(registry, EddyMeter.PARTITIONS_ASSIGNED, tags, this, m -> m.sum(Live::assignedPartitions));
        Meters.gauge(registry, EddyMeter.PARTITIONS_PAUSED, tags, this, m -> m.sum(Live::pausedPartitions));
        Meters.gauge(registry, EddyMeter.CONSUMER_LAG, tags, this, FunctionMetrics::lag);
        Meters.gauge(registry, EddyMeter.CONSUMER_LAG_SECONDS, tags, this,
                m -> m.live.stream().mapToDouble(Live::lagSeconds).max().orElse(0));
        state = stateful ? new StateMetrics(registry, tags) : StateMetrics.none();
    }

    /** For tests: a function named {@code function} at version 1, max concurrency 1, 256 MB, every meter. */
    public FunctionMetrics(MeterRegistry registry, String function) {
        this(registry, function, "1", 1, 256, true);
    }

    private static Duration[] millis(long... values) {
        return java.util.Arrays.stream(values).mapToObj(Duration::ofMillis).toArray(Duration[]::new);
    }

    /** Only the Kafka client metrics of {@link #KAFKA_CLIENT_METERS}, for the registry the functions share. */
    public static io.micrometer.core.instrument.config.MeterFilter kafkaClientFilter() {
        return io.micrometer.core.instrument.config.MeterFilter.deny(id -> id.getName().startsWith("kafka.")
                && id.getTag("function") != null && !KAFKA_CLIENT_METERS.contains(id.getName()));
    }

    /** A worker reports here from now on, until {@link #detach}. */
    public void attach(Live worker) {
        live.add(worker);
    }

    /** A worker stopped: it reports no more, and its clients' metrics are unbound. */
    void detach(Live worker, Consumer<?, ?> consumer) {
        live.remove(worker);
        List<KafkaClientMetrics> bound = clients.remove(consumer);
        if (bound != null) {
            bound.forEach(KafkaClientMetrics::close);
        }
    }

    private long sum(java.util.function.ToLongFunction<Live> figure) {
        long sum = 0;
        for (Live worker : live) {
            sum += figure.applyAsLong(worker);
        }
        return sum;
    }

    /**
     * Binds Kafka's own metrics of a worker's clients, tagged with the function (and by Kafka with their client
     * ids), until the worker detaches.
     */
    public void bindClients(MeterRegistry registry, Consumer<?, ?> consumer, Producer<?, ?> producer) {
        KafkaClientMetrics consumerMetrics = new KafkaClientMetrics(consumer, tags);
        KafkaClientMetrics producerMetrics = new KafkaClientMetrics(producer, tags);
        consumerMetrics.bindTo(registry);
        producerMetrics.bindTo(registry);
        clients.put(consumer, List.of(consumerMetrics, producerMetrics));
    }

    /** Removes every meter of a function from the registry (before it is deployed again, or once undeployed). */
    public static void removeAll(MeterRegistry registry, String function) {
        for (Meter meter : List.copyOf(registry.getMeters())) {
            if (function.equals(meter.getId().getTag("function"))) {
                registry.remove(meter);
            }
        }
    }

    /** Records a call's start, now, against its record's timestamp (epoch milliseconds; negative when it has none). */
    void handlerStarted(long recordTimestamp, long nowMillis) {
        if (recordTimestamp >= 0) {
            long millis = Math.max(0, nowMillis - recordTimestamp);
            lastEndToEndMillis = millis;
            endToEndLatency.record(millis, TimeUnit.MILLISECONDS);
        }
    }

    /** Records a cold start: the first record a woken worker got (its timestamp, epoch milliseconds). */
    void coldStarted(long recordTimestamp, long nowMillis) {
        if (coldStarts == null) {
            synchronized (this) {
                if (coldStarts == null) {
                    coldStartDuration = Meters.timerWithBuckets(registry, EddyMeter.COLD_START_DURATION,
                            tags, COLD_START_BUCKETS);
                    coldStarts = Meters.counter(registry, EddyMeter.COLD_STARTS, tags);
                }
            }
        }
        coldStarts.increment();
        if (recordTimestamp >= 0) {
            coldStartDuration.record(Math.max(0, nowMillis - recordTimestamp),
                    TimeUnit.MILLISECONDS);
        }
    }

    /** What the function's scaling controller asks for. */
    public void desiredWorkers(int workers) {
        this.desiredWorkers = workers;
    }

    /** The workers the function runs on this engine now. */
    public void workers(int workers) {
        this.workers = workers;
    }

    /** Records waiting in the function's partitions, as its workers last saw (0 when it has none). */
    public long lag() {
        return sum(Live::lag);
    }

    /** Records the function's workers fetched and have not finished, as they last saw. */
    public long inFlight() {
        return sum(Live::inFlight);
    }

    /** Handler calls running now. */
    public int running() {
        return (int) sum(Live::concurrency);
    }

    /** Whether the function is scaled to zero on this engine. */
    public void idle(boolean idle) {
        this.idle = idle;
    }

    /** Times a record woke the function from zero on this engine. */
    public long coldStarts() {
        return coldStarts == null ? 0 : (long) coldStarts.count();
    }

    void usage(long calls, long billedMillis) {
        usageCalls.add(calls);
        usageBilledMillis.add(billedMillis);
    }

    /** The function's usage since it was deployed on this engine. */
    public Usage usage() {
        return new Usage(usageCalls.sum(), usageBilledMillis.sum(), memoryMb);
    }

    /**
     * What a function used: handler calls (a batch is one), the billed milliseconds (each call's duration rounded up
     * to the millisecond), and its memory class.
     */
    public record Usage(long invocations, long billedMillis, int memoryMb) {
        /** Memory class × billed duration, in gigabyte-seconds (1 GB = 1024 MB). */
        public double gbSeconds() {
            return memoryMb / 1024.0 * billedMillis / 1000.0;
        }
    }

    Counter deadLettered(FailureReason reason) {
        return deadLettered.computeIfAbsent(reason, r -> Meters.counter(registry, EddyMeter.DEAD_LETTERED,
                tags.and("reason", r.name())));
    }

    /** A windowed function's record was received. */
    public void windowRecordReceived() {
        received.increment();
    }

    /** A windowed function's worker stopped: it reports no more. */
    public void detach(Live worker) {
        live.remove(worker);
    }

    /** How long a windowed function took over one record, sampled: the call time its scaling controller reads. */
    public void windowRecordTimed(long nanos) {
        handlerDuration.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** A windowed function's record was added to its windows. */
    public void windowRecordAdded() {
        succeeded.increment();
    }

    /**
     * A windowed function emitted a window's result.
     *
     * @param closed     whether it is the window's final result
     * @param lateMillis for a final result, how long after the window's end (in wall-clock time) it came
     */
    public void windowResultEmitted(boolean closed, long lateMillis) {
        emits.increment();
        if (closed) {
            Counter windows = windowsClosed;
            if (windows == null) {
                windowsClosed = windows = Meters.counter(registry, EddyMeter.WINDOWS_CLOSED, tags);
                windowResultLatency = Meters.timerWithBuckets(registry, EddyMeter.WINDOW_RESULT_LATENCY, tags,
                        LATENCY_BUCKETS);
            }
            windows.increment();
            windowResultLatency.record(Math.max(0, lateMillis), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Binds a windowed function's Kafka Streams metrics (those the shared registry lets through, see {@link
     * #kafkaClientFilter}), tagged with the function, until the returned binding is closed.
     */
    public AutoCloseable bindStreams(org.apache.kafka.streams.KafkaStreams streams) {
        io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics metrics =
                new io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics(streams, tags);
        metrics.bindTo(registry);
        return metrics;
    }

    /** A windowed function sent a record to its dead-letter topic. */
    public void windowRecordDeadLettered(FailureReason reason) {
        deadLettered(reason).increment();
    }

    public long deadLettered() {
        return (long) deadLettered.values().stream().mapToDouble(Counter::count).sum();
    }

    public long partitionsRevoked() {
        return (long) partitionsRevoked.count();
    }

    public long retries() {
        return (long) retries.count();
    }

    public long received() {
        return (long) received.count();
    }

    public long succeeded() {
        return (long) succeeded.count();
    }

    public long failed() {
        return (long) failed.count();
    }

    public long emitted() {
        return (long) emits.count();
    }

    /** The handler time at a percentile over the last few seconds, in milliseconds; NaN before any call. */
    public double handlerMillisAt(double percentile) {
        for (ValueAtPercentile value : handlerDuration.takeSnapshot().percentileValues()) {
            if (value.percentile() == percentile) {
                return value.value(TimeUnit.NANOSECONDS) / 1e6;
            }
        }
        return Double.NaN;
    }
}
