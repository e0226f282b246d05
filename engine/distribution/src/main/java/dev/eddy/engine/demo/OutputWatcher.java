package dev.eddy.engine.demo;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads the demo function's outputs back from Kafka, as any downstream consumer would: counts the checked readings
 * and alerts, measures end-to-end latency (reading produced → checked reading readable), and keeps the latest
 * alerts to show.
 *
 * <p>Threading: reads on its own thread; counts and samples may be read from any thread.
 */
public final class OutputWatcher implements AutoCloseable {

    private static final long MAX_LATENCY_MICROS = 60_000_000L;

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String readingsTopic;
    private final Thread thread;
    private final AtomicLong readings = new AtomicLong();
    private final AtomicLong alerts = new AtomicLong();
    private final Recorder latency = new Recorder(MAX_LATENCY_MICROS, 3);
    private final Histogram allLatency = new Histogram(MAX_LATENCY_MICROS, 3);
    /** The latency of readings sent at or after {@link #steadyFrom} (epoch milliseconds): the warm run's. */
    private final Recorder steady = new Recorder(MAX_LATENCY_MICROS, 3);
    private volatile long steadyFrom = Long.MAX_VALUE;
    private final Deque<String> latestAlerts = new ConcurrentLinkedDeque<>();
    /** The windowed function's output, or null when not watched. */
    private final String statsTopic;
    private final AtomicLong windows = new AtomicLong();
    private final AtomicLong windowedReadings = new AtomicLong();
    private final Deque<String> latestWindows = new ConcurrentLinkedDeque<>();
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();
    private volatile boolean running = true;

    public OutputWatcher(String bootstrapServers, String readingsTopic, String alertsTopic) {
        this(bootstrapServers, readingsTopic, alertsTopic, null);
    }

    /** @param statsTopic the windowed function's output: its windows are counted and the latest shown */
    public OutputWatcher(String bootstrapServers, String readingsTopic, String alertsTopic, String statsTopic) {
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.CLIENT_ID_CONFIG, "eddy-demo-watcher",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class));
        this.readingsTopic = readingsTopic;
        this.statsTopic = statsTopic;
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : statsTopic == null ? List.of(readingsTopic, alertsTopic)
                : List.of(readingsTopic, alertsTopic, statsTopic)) {
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // pin the start here, before the first reading is sent
        this.thread = Thread.ofPlatform().name("eddy-demo-watcher").daemon().unstarted(this::run);
    }

    public void start() {
        thread.start();
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    if (record.topic().equals(readingsTopic)) {
                        readings.incrementAndGet();
                        long micros = Math.min(MAX_LATENCY_MICROS,
                                Math.max(0, System.currentTimeMillis() - record.timestamp()) * 1000);
                        latency.recordValue(micros);
                        if (record.timestamp() >= steadyFrom) {
                            steady.recordValue(micros);
                        }
                    } else if (record.topic().equals(statsTopic)) {
                        window(record.value());
                    } else {
                        alerts.incrementAndGet();
                        latestAlerts.addFirst(new String(record.value(), StandardCharsets.UTF_8));
                        while (latestAlerts.size() > 3) {
                            latestAlerts.pollLast();
                        }
                    }
                }
            }
        } catch (WakeupException e) {
            // close() asked us to stop
        } finally {
            consumer.close();
        }
    }

    /** A window's result: counted, its readings added up, and kept among the latest as a line. */
    private void window(byte[] value) {
        try {
            com.fasterxml.jackson.databind.JsonNode window = JSON.readTree(value);
            com.fasterxml.jackson.databind.JsonNode stats = window.get("value");
            windows.incrementAndGet();
            windowedReadings.addAndGet(stats.get("count").asLong());
            latestWindows.addFirst(String.format(java.util.Locale.ROOT,
                    "%s %s–%s  min %.1f  avg %.1f  max %.1f °C  (%d readings)", window.get("key").asText(),
                    clock(window.get("start").asLong()), clock(window.get("end").asLong()),
                    stats.get("min").asDouble(), stats.get("avg").asDouble(), stats.get("max").asDouble(),
                    stats.get("count").asLong()));
            while (latestWindows.size() > 3) {
                latestWindows.pollLast();
            }
        } catch (java.io.IOException | RuntimeException e) {
            latestWindows.addFirst("(a window result that is not a window: " + e.getMessage() + ")");
        }
    }

    private static String clock(long epochMillis) {
        return java.time.LocalTime.ofInstant(java.time.Instant.ofEpochMilli(epochMillis),
                        java.time.ZoneId.systemDefault())
                .truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }

    /** Windows closed (one result per device and window). */
    public long windows() {
        return windows.get();
    }

    /** The readings the closed windows counted. */
    public long windowedReadings() {
        return windowedReadings.get();
    }

    /** The latest windows closed, newest first, a line each. */
    public List<String> latestWindows() {
        return List.copyOf(latestWindows);
    }

    public long readings() {
        return readings.get();
    }

    public long alerts() {
        return alerts.get();
    }

    /** The latest alerts, newest first. */
    public List<String> latestAlerts() {
        return List.copyOf(latestAlerts);
    }

    /** End-to-end latency since the last call, in microseconds; also added to the whole run's histogram. */
    public synchronized Histogram latencySinceLastCall() {
        Histogram interval = latency.getIntervalHistogram();
        allLatency.add(interval);
        return interval;
    }

    /**
     * Readings sent from this moment (epoch milliseconds) on count towards {@link #latencyWhenWarm}: a reading is
     * told by when it was sent, not when it came out, so that the backlog of the first seconds (the JIT warming up,
     * the function joining its group) does not count however late it drains.
     */
    public void steadyFrom(long epochMillis) {
        this.steadyFrom = epochMillis;
    }

    /** End-to-end latency of the readings sent since {@link #steadyFrom}, in microseconds. */
    public synchronized Histogram latencyWhenWarm() {
        return steady.getIntervalHistogram();
    }

    /** End-to-end latency over the whole run, in microseconds. */
    public synchronized Histogram latencyOverall() {
        allLatency.add(latency.getIntervalHistogram());
        return allLatency.copy();
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
