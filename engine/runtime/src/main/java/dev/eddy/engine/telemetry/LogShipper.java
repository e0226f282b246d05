package dev.eddy.engine.telemetry;

import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.kafka.ClientConfigs;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the lines functions log to the logs topic, keyed by the function's name, so that {@code ./eddy logs} finds
 * a function's lines from every engine that runs it. A handler never waits for it: lines wait in a bounded queue
 * for the shipper's own thread, and a line that finds the queue full (the broker away, or a flood of lines) is
 * dropped and counted; it is still in the engine's own log.
 */
public final class LogShipper implements Consumer<LogLine>, AutoCloseable {

    /** The partitions of the topic of every function's logs, {@code <prefix>.logs}. */
    public static final int PARTITIONS = 3;

    private static final Logger log = LoggerFactory.getLogger(LogShipper.class);

    private static final int QUEUED = 10_000;

    private final KafkaProducer<byte[], byte[]> producer;
    /** Where it writes: {@code <prefix>.logs}. */
    private final String topic;
    private final AtomicLong dropped = new AtomicLong();
    private final BlockingQueue<LogLine> queue = new ArrayBlockingQueue<>(QUEUED);
    private final Thread sender;
    private volatile boolean closing;

    public LogShipper(EngineConfig config, String clientId) {
        Map<String, Object> props = ClientConfigs.producer(config, clientId);
        props.put(ProducerConfig.ACKS_CONFIG, "1");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 50);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 8L * 1024 * 1024);
        this.producer = new KafkaProducer<>(props);
        this.topic = config.names().logs();
        this.sender = Thread.ofPlatform().name("eddy-log-shipper").daemon().start(this::run);
    }

    @Override
    public void accept(LogLine line) {
        if (!queue.offer(line)) {
            dropped();
        }
    }

    private void run() {
        while (!closing || !queue.isEmpty()) {
            LogLine line;
            try {
                line = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (line != null) {
                send(line);
            }
        }
    }

    private void send(LogLine line) {
        try {
            producer.send(new ProducerRecord<>(topic, line.function().getBytes(StandardCharsets.UTF_8),
                    line.toJson()), (metadata, e) -> {
                        if (e != null) {
                            dropped();
                        }
                    });
        } catch (RuntimeException e) {
            dropped();
        }
    }

    private void dropped() {
        long count = dropped.incrementAndGet();
        if (Long.bitCount(count) == 1) { // 1, 2, 4, 8, …: said, without flooding the log
            log.warn("{} function log lines could not go to '{}' (they are in this engine's log)", count, topic);
        }
    }

    /** Lines that could not be sent. */
    public long droppedLines() {
        return dropped.get();
    }

    /** Sends what is queued (for a few seconds at most), then stops. */
    @Override
    public void close() {
        closing = true;
        try {
            sender.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sender.interrupt();
        producer.close(java.time.Duration.ofSeconds(5));
    }
}
