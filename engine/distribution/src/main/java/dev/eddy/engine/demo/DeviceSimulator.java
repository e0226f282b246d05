package dev.eddy.engine.demo;

import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.kafka.ClientConfigs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Simulated temperature sensors sending JSON readings to Kafka at a steady rate, keyed by device. Each device's
 * temperature wanders around room temperature; now and then one overheats for a while, which is what the demo
 * function alerts on.
 *
 * <p>Threading: readings are made on one scheduler thread (the device state is confined to it); the counts may be
 * read from any thread. {@link #close} stops sending, waits for Kafka's answers and closes the producer.
 */
public final class DeviceSimulator implements AutoCloseable {

    private static final long TICK_MILLIS = 10;

    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final double ratePerSecond;
    private final double[] celsius;
    private final int[] overheating;
    private final SplittableRandom random = new SplittableRandom(7);
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
            runnable -> Thread.ofPlatform().name("eddy-demo-devices").daemon().unstarted(runnable));
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private long started;
    private long sent;
    private int nextDevice;

    public DeviceSimulator(String bootstrapServers, String topic, int devices, double ratePerSecond) {
        this.producer = new KafkaProducer<>(ClientConfigs.producer(
                EngineConfig.forBootstrapServers(bootstrapServers), "eddy-demo-devices"));
        this.topic = topic;
        this.ratePerSecond = ratePerSecond;
        this.celsius = new double[devices];
        this.overheating = new int[devices];
        for (int i = 0; i < devices; i++) {
            celsius[i] = 19 + random.nextDouble() * 6;
        }
    }

    public void start() {
        producer.partitionsFor(topic); // fetch the topic's metadata before the clock starts
        started = System.nanoTime();
        scheduler.scheduleAtFixedRate(this::tick, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void tick() {
        double elapsedSeconds = (System.nanoTime() - started) / 1e9;
        long due = (long) (elapsedSeconds * ratePerSecond) - sent;
        // After a stall, catch up by at most a second's worth rather than in one burst.
        due = Math.min(due, (long) Math.max(1, ratePerSecond));
        for (long i = 0; i < due; i++) {
            send();
        }
    }

    private void send() {
        int device = nextDevice;
        nextDevice = (nextDevice + 1) % celsius.length;
        String id = String.format(Locale.ROOT, "device-%03d", device);
        String json = String.format(Locale.ROOT, "{\"device\":\"%s\",\"celsius\":%.2f}", id, nextTemperature(device));
        sent++;
        producer.send(new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8),
                json.getBytes(StandardCharsets.UTF_8)), (metadata, error) -> {
                    if (error == null) {
                        acknowledged.incrementAndGet();
                    } else {
                        failed.incrementAndGet();
                    }
                });
    }

    private double nextTemperature(int device) {
        if (overheating[device] == 0 && random.nextInt(4_000) == 0) {
            overheating[device] = 30; // readings of this device to come while it overheats
        }
        if (overheating[device] > 0) {
            overheating[device]--;
            celsius[device] += overheating[device] > 15 ? 4 + random.nextDouble() * 2 : -(4 + random.nextDouble() * 2);
        } else {
            celsius[device] += (random.nextDouble() - 0.5) * 0.4;
            celsius[device] = Math.max(15, Math.min(30, celsius[device]));
        }
        return celsius[device];
    }

    /** Readings Kafka acknowledged. */
    public long acknowledged() {
        return acknowledged.get();
    }

    /** Readings Kafka refused. */
    public long failed() {
        return failed.get();
    }

    /** Stops sending and waits, up to the timeout, until every reading sent has been answered. */
    public void stop(Duration timeout) {
        scheduler.shutdown();
        try {
            scheduler.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.flush();
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(10));
        producer.close(Duration.ofSeconds(10));
    }
}
