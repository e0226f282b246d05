package dev.eddy.adapters.http;

import dev.eddy.adapters.AdapterKafka;
import dev.eddy.adapters.EventPublisher;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;

/**
 * The HTTP adapter's side of request and reply through Kafka: its own reply topic ({@code eddy.replies.<name>},
 * created when missing, one partition, replies kept an hour), read from its end by one thread, each reply handed to
 * the request waiting for its correlation id. The engine copies a function's emits there for an input that names it
 * ({@code eddy.reply.to}), and sends an error reply when the input is dead-lettered.
 */
final class ReplyListener implements AutoCloseable {

    static final String REPLY_TO = "eddy.reply.to";
    static final String CORRELATION_ID = "eddy.correlation.id";
    static final String REPLY_ERROR = "eddy.reply.error";

    private final String topic;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, CompletableFuture<ConsumerRecord<byte[], byte[]>>> waiting = new ConcurrentHashMap<>();
    private final Thread reader;
    private volatile boolean closing;

    private ReplyListener(String topic, KafkaConsumer<byte[], byte[]> consumer) {
        this.topic = topic;
        this.consumer = consumer;
        this.reader = Thread.ofPlatform().name("eddy-http-replies").daemon().unstarted(this::read);
    }

    static ReplyListener start(EventPublisher.Options options, String topic) {
        AdapterKafka.createTopic(options, topic, Map.of(TopicConfig.RETENTION_MS_CONFIG,
                String.valueOf(Duration.ofHours(1).toMillis())));
        // A reply is waited for: the broker answers a fetch at once rather than after the default half second.
        KafkaConsumer<byte[], byte[]> consumer = AdapterKafka.reader(options, true,
                Map.of(org.apache.kafka.clients.consumer.ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10));
        TopicPartition partition = new TopicPartition(topic, 0);
        consumer.assign(List.of(partition));
        consumer.seekToEnd(List.of(partition));
        consumer.position(partition); // from here: replies to requests made from now on
        ReplyListener listener = new ReplyListener(topic, consumer);
        listener.reader.start();
        return listener;
    }

    String topic() {
        return topic;
    }

    /** Registers a request before it is sent; the future completes with its reply. */
    CompletableFuture<ConsumerRecord<byte[], byte[]>> expect(String correlationId) {
        CompletableFuture<ConsumerRecord<byte[], byte[]>> reply = new CompletableFuture<>();
        waiting.put(correlationId, reply);
        return reply;
    }

    /** The request no longer waits (answered, or timed out). */
    void forget(String correlationId) {
        waiting.remove(correlationId);
    }

    private void read() {
        while (!closing) {
            try {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    Header id = record.headers().lastHeader(CORRELATION_ID);
                    if (id != null) {
                        CompletableFuture<ConsumerRecord<byte[], byte[]>> reply =
                                waiting.remove(new String(id.value(), StandardCharsets.UTF_8));
                        if (reply != null) {
                            reply.complete(record); // the first reply answers; later ones are not waited for
                        }
                    }
                }
            } catch (WakeupException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        closing = true;
        consumer.wakeup();
        try {
            reader.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close(Duration.ofSeconds(5));
    }
}
