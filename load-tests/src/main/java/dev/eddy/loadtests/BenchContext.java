package dev.eddy.loadtests;

import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.FunctionBuilder;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.Ordering;
import dev.eddy.engine.kafka.ClientConfigs;
import dev.eddy.engine.kafka.Topics;
import dev.eddy.engine.local.EmbeddedKafka;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * What a scenario runs with: the bench's broker, the number of records and runs, and helpers to fill a topic and
 * to time things.
 *
 * <p>Lifecycle: the bench command owns the broker and closes the context after the scenario.
 */
public final class BenchContext implements AutoCloseable {

    /** A run whose count does not move for this long has failed. */
    static final long STALL_SECONDS = 30;

    private final EmbeddedKafka kafka;
    private final Ordering ordering;
    private final Integer maxConcurrency;
    private final EngineConfig engineConfig;
    private final Admin admin;
    private final int records;
    private final int runs;
    private final int warmUps;
    private final PrintStream out;
    private int topicSequence;

    BenchContext(EmbeddedKafka kafka, Map<String, String> settings, Ordering ordering, Integer maxConcurrency,
            int records, int runs, int warmUps, PrintStream out) {
        this.kafka = kafka;
        this.ordering = ordering;
        this.maxConcurrency = maxConcurrency;
        this.engineConfig = EngineConfig.forBootstrapServers(kafka.bootstrapServers()).with(settings);
        this.admin = kafka.admin();
        this.records = records;
        this.runs = runs;
        this.warmUps = warmUps;
        this.out = out;
    }

    public int records() {
        return records;
    }

    /** Measured runs of each side; they alternate, after the warm-ups. */
    public int runs() {
        return runs;
    }

    /** Runs of each side before the measured ones. */
    public int warmUps() {
        return warmUps;
    }

    /** Whether the run of this number (as {@link Runs} numbers them) is measured rather than a warm-up. */
    public boolean isMeasured(int run) {
        return run > warmUps;
    }

    /** The max concurrency Eddy's functions run with: the command line's, else the scenario's (may be null). */
    public Integer maxConcurrency(Integer scenarioConcurrency) {
        return maxConcurrency != null ? maxConcurrency : scenarioConcurrency;
    }

    /**
     * A function for a run, with the bench's ordering and, unless the command line set one, the given max
     * concurrency (null: the function default).
     */
    public FunctionBuilder function(String name, Integer scenarioConcurrency) {
        FunctionBuilder builder = FunctionDefinition.builder(name).ordering(ordering);
        Integer concurrency = maxConcurrency(scenarioConcurrency);
        return concurrency == null ? builder : builder.maxConcurrency(concurrency);
    }

    /** The engine settings both sides run with: Eddy's defaults and any --set. */
    public EngineConfig engineConfig() {
        return engineConfig;
    }

    /** Prints a line of progress. */
    public void progress(String format, Object... args) {
        out.printf(format + "%n", args);
    }

    /** A new topic, ready for writes. */
    public String newTopic(String prefix, int partitions) {
        String name = prefix + "-" + (++topicSequence);
        Topics.create(admin, name, partitions);
        return name;
    }

    /** Creates many topics of one partition, a hundred to a request, and waits until the broker has them. */
    public void createTopics(java.util.Collection<String> names) throws Exception {
        java.util.List<String> all = java.util.List.copyOf(names);
        for (int from = 0; from < all.size(); from += 100) {
            admin.createTopics(all.subList(from, Math.min(all.size(), from + 100)).stream()
                    .map(name -> new org.apache.kafka.clients.admin.NewTopic(name, 1, (short) 1)).toList())
                    .all().get(60, TimeUnit.SECONDS);
        }
    }

    /**
     * Fills a new topic with {@code count} records of {@code valueBytes} bytes each, keyed over {@code keys}
     * distinct keys, and waits until Kafka acknowledged them all.
     */
    public String fill(String prefix, int partitions, int count, int valueBytes, int keys) throws Exception {
        String topic = newTopic(prefix, partitions);
        long start = System.nanoTime();
        AtomicLong failed = new AtomicLong();
        byte[] value = new byte[valueBytes];
        for (int i = 0; i < valueBytes; i++) {
            value[i] = (byte) ('a' + i % 26);
        }
        byte[][] keyBytes = new byte[keys][];
        for (int k = 0; k < keys; k++) {
            keyBytes[k] = ("key-" + k).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(ClientConfigs.producer(engineConfig(), "bench-fill"))) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, keyBytes[i % keys], value), (metadata, error) -> {
                    if (error != null) {
                        failed.incrementAndGet();
                    }
                });
            }
            producer.flush();
        }
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " records could not be written to " + topic);
        }
        progress("  filled %s: %,d records of %d bytes in %.1f s", topic, count, valueBytes,
                (System.nanoTime() - start) / 1e9);
        return topic;
    }

    /**
     * Waits until {@code counter} reaches {@code target} and returns the moment it was seen there, in
     * {@link System#nanoTime()} terms, checking every millisecond (often enough for runs of a second or more, rarely
     * enough not to take CPU from what is measured).
     *
     * @throws IllegalStateException when the counter does not move for {@link #STALL_SECONDS}
     */
    public static long awaitCount(LongSupplier counter, long target, String what) {
        long last = counter.getAsLong();
        long lastMove = System.nanoTime();
        while (last < target) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            long now = counter.getAsLong();
            if (now != last) {
                last = now;
                lastMove = System.nanoTime();
            } else if (System.nanoTime() - lastMove > TimeUnit.SECONDS.toNanos(STALL_SECONDS)) {
                throw new IllegalStateException(what + " stopped at " + last + " of " + target + " for "
                        + STALL_SECONDS + " s");
            }
        }
        return System.nanoTime();
    }

    /**
     * Polls a condition every {@code pollMillis} until it holds — between measurements, never inside one.
     *
     * @throws IllegalStateException when it does not hold within {@code seconds}, naming {@code what}
     */
    public static void awaitCondition(java.util.function.BooleanSupplier condition, int seconds, long pollMillis,
            String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("waited " + seconds + " s for " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(pollMillis));
        }
    }

    @Override
    public void close() {
        admin.close();
    }
}
