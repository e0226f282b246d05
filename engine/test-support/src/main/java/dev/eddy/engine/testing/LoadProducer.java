package dev.eddy.engine.testing;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Produces records with unique ids ({@code id-<n>} as the value, {@code key-<n % keys>} as the key) at a steady
 * rate on its own thread, with the settings of a careful producer, and remembers which ids Kafka acknowledged:
 * the "A" of the counting method.
 */
public final class LoadProducer implements AutoCloseable {

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    private final int records;
    private final int keys;
    private final double ratePerSecond;
    private final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    private final AtomicLong failed = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicReference<Exception> firstError = new java.util.concurrent.atomic.AtomicReference<>();
    private final Thread thread;
    private volatile long sent;
    /** The record before which the load waits for {@link #resume}; -1 for none. */
    private volatile long pauseAt = -1;
    private final java.util.concurrent.CountDownLatch resumed = new java.util.concurrent.CountDownLatch(1);

    public LoadProducer(String bootstrapServers, String topic, int records, int keys, double ratePerSecond) {
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
        this.topic = topic;
        this.records = records;
        this.keys = keys;
        this.ratePerSecond = ratePerSecond;
        this.thread = Thread.ofPlatform().name("test-load-" + topic).daemon().unstarted(this::run);
    }

    public LoadProducer start() {
        thread.start();
        return this;
    }

    /**
     * Holds the load before the record of this index until {@link #resume}, so that a test can make something
     * happen while records still flow, however long it takes; call it before {@link #start}.
     */
    public LoadProducer pauseAt(long index) {
        this.pauseAt = index;
        return this;
    }

    /** Lets a load held by {@link #pauseAt} go on, at its rate from where it stopped. */
    public void resume() {
        resumed.countDown();
    }

    private void run() {
        long start = System.nanoTime();
        for (int i = 0; i < records; i++) {
            if (i == pauseAt) {
                try {
                    resumed.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                start = System.nanoTime() - (long) (i / ratePerSecond * 1e9);
            }
            long due = start + (long) (i / ratePerSecond * 1e9);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait); // pacing the load, not waiting for a condition
            }
            String id = "id-" + i;
            producer.send(new ProducerRecord<>(topic, ("key-" + (i % keys)).getBytes(StandardCharsets.UTF_8),
                    id.getBytes(StandardCharsets.UTF_8)), (metadata, error) -> {
                        if (error == null) {
                            acknowledged.add(id);
                        } else {
                            failed.incrementAndGet();
                            firstError.compareAndSet(null, error);
                        }
                    });
            sent = i + 1;
        }
        producer.flush();
    }

    /** Records handed to the producer so far. */
    public long sent() {
        return sent;
    }

    /** Whether every record was sent and answered. */
    public boolean done() {
        return !thread.isAlive();
    }

    public Set<String> acknowledged() {
        return acknowledged;
    }

    public long failed() {
        return failed.get();
    }

    /** The first error Kafka answered with, or null. */
    public Exception firstError() {
        return firstError.get();
    }

    /** Waits for the producing thread to finish. */
    public void await(long timeout, TimeUnit unit) throws InterruptedException {
        thread.join(unit.toMillis(timeout));
    }

    @Override
    public void close() {
        producer.close();
    }
}
