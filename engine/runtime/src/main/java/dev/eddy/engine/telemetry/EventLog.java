package dev.eddy.engine.telemetry;

import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.kafka.ClientConfigs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's events topic: every scaling decision of its functions ({@link ScalingEvent}), keyed by function, so
 * that {@code ./eddy events} shows what every engine decided and why. Sending never blocks the caller; a record
 * that cannot be written is logged.
 */
public final class EventLog implements AutoCloseable {

    /** The partitions of the events topic, {@code <prefix>.events}. */
    public static final int PARTITIONS = 3;

    private static final Logger log = LoggerFactory.getLogger(EventLog.class);

    private final String engine;
    private final KafkaProducer<byte[], byte[]> producer;
    /** Where it writes: {@code <prefix>.events}. */
    private final String topic;
    /** Sends on its own thread: a send may wait for metadata, and callers hold their function's lock. */
    private final java.util.concurrent.ExecutorService sender = java.util.concurrent.Executors
            .newSingleThreadExecutor(Thread.ofPlatform().name("eddy-events").daemon().factory());

    public EventLog(EngineConfig config, String engine) {
        this.engine = engine;
        this.producer = new KafkaProducer<>(ClientConfigs.producer(config, "eddy-events-" + engine));
        this.topic = config.names().events();
    }

    /** Writes an event of this engine; returns at once. */
    public void publish(ScalingEvent event) {
        ScalingEvent ours = event.on(engine);
        try {
            sender.execute(() -> producer.send(new ProducerRecord<>(topic,
                    ours.function().getBytes(StandardCharsets.UTF_8), ours.toJson()), (metadata, e) -> {
                        if (e != null) {
                            log.warn("A scaling event of function '{}' could not be written to '{}': {}",
                                    ours.function(), topic, e.toString());
                        }
                    }));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("Scaling event after the engine closed: {}", ours);
        }
    }

    /** Writes what was published and closes. */
    @Override
    public void close() {
        sender.shutdown();
        try {
            sender.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(10));
    }
}
