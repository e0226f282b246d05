package dev.eddy.adapters.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eddy.adapters.AdapterKafka;
import dev.eddy.adapters.EventPublisher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The idempotency keys the HTTP adapter has accepted, kept in a compacted topic: a key's record is written in the
 * same transaction as its events, so that after a crash the key is known exactly when its events are in Kafka. A
 * restarted adapter reads the topic before it takes requests. A key is remembered for the idempotency window.
 *
 * <p>Every instance follows the topic (read_committed), so the keys are shared: a key this instance has not seen is
 * looked up again once it has read the topic up to its end as it is at that moment ({@link #find(String, Duration)}),
 * so that a retry reaching this instance after another has answered the first request (and so committed the key) is
 * recognised. That end is the last record written, committed or not: a committed transaction's markers reach the
 * partition after the commit returns, so the committed end may not yet include a key whose request was answered;
 * reading committed records past the last written one waits for those markers. Requests that wait share one look.
 */
final class IdempotencyKeys implements AutoCloseable {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(IdempotencyKeys.class);

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a key's request made: its topic and event ids, and when. */
    record Accepted(String topic, List<String> ids, long atMillis) {
    }

    private final String topic;
    private final Duration window;
    private final Clock clock;
    private final Map<String, Accepted> accepted = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Accepted>> pending = new ConcurrentHashMap<>();
    /** Requests waiting for the follower to reach the topic's end. */
    private final List<CompletableFuture<Void>> waiting = new ArrayList<>();
    private final KafkaConsumer<byte[], byte[]> consumer;
    /** Reads only where the topic ends, committed or not. */
    private final KafkaConsumer<byte[], byte[]> written;
    private final TopicPartition partition;
    private final Thread follower;
    private volatile boolean closed;

    private IdempotencyKeys(String topic, Duration window, Clock clock, KafkaConsumer<byte[], byte[]> consumer,
            KafkaConsumer<byte[], byte[]> written) {
        this.topic = topic;
        this.window = window;
        this.clock = clock;
        this.consumer = consumer;
        this.written = written;
        this.partition = new TopicPartition(topic, 0);
        this.follower = Thread.ofPlatform().name("eddy-http-keys").daemon().unstarted(this::follow);
    }

    /** Creates the keys topic if it is missing, reads it, and follows it. */
    static IdempotencyKeys load(EventPublisher.Options options, String topic, Duration window) {
        AdapterKafka.createTopic(options, topic, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, "compact,delete",
                TopicConfig.RETENTION_MS_CONFIG, String.valueOf(window.toMillis())));
        IdempotencyKeys keys = new IdempotencyKeys(topic, window, Clock.systemUTC(),
                AdapterKafka.reader(options, true), AdapterKafka.reader(options, false));
        try {
            keys.consumer.assign(List.of(keys.partition));
            keys.consumer.seekToBeginning(List.of(keys.partition));
            keys.readToEnd();
        } catch (RuntimeException e) {
            keys.consumer.close();
            keys.written.close();
            throw e;
        }
        keys.follower.start();
        return keys;
    }

    /** Reads up to the last record written now, once the transactions up to there are decided. */
    private void readToEnd() {
        long end = written.endOffsets(List.of(partition)).get(partition);
        while (consumer.position(partition) < end) {
            consumer.poll(Duration.ofMillis(100)).forEach(this::apply);
        }
    }

    /** The follower thread: reads what the instances write, and answers the requests waiting for the end. */
    private void follow() {
        List<CompletableFuture<Void>> round = new ArrayList<>();
        while (!closed) {
            try {
                synchronized (waiting) {
                    round.addAll(waiting);
                    waiting.clear();
                }
                if (round.isEmpty()) {
                    consumer.poll(Duration.ofMillis(500)).forEach(this::apply);
                } else {
                    readToEnd();
                    round.forEach(request -> request.complete(null));
                    round.clear();
                }
            } catch (org.apache.kafka.common.errors.WakeupException e) {
                // a request came, or the adapter is closing
            } catch (RuntimeException e) {
                log.warn("Reading the idempotency keys of '{}': {}", topic, e.toString());
                round.forEach(request -> request.completeExceptionally(e));
                round.clear();
            }
        }
        consumer.close(Duration.ofSeconds(5));
        written.close(Duration.ofSeconds(5));
    }

    /**
     * What the key's earlier request made, if any instance accepted it within the window: looked up here, then
     * again once the topic has been read to its end.
     *
     * @throws TimeoutException when the topic's end cannot be read within {@code timeout}
     */
    Accepted find(String key, Duration timeout) throws TimeoutException, InterruptedException {
        Accepted was = find(key);
        if (was != null) {
            return was;
        }
        CompletableFuture<Void> read = new CompletableFuture<>();
        synchronized (waiting) {
            waiting.add(read);
        }
        consumer.wakeup();
        try {
            read.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new TimeoutException("the idempotency keys cannot be read: " + e.getCause().getMessage());
        }
        return find(key);
    }

    @Override
    public void close() {
        closed = true;
        consumer.wakeup();
        try {
            follower.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> record) {
        String key = new String(record.key(), StandardCharsets.UTF_8);
        if (record.value() == null) {
            accepted.remove(key);
            return;
        }
        try {
            JsonNode json = JSON.readTree(record.value());
            List<String> ids = new ArrayList<>();
            json.path("ids").forEach(id -> ids.add(id.asText()));
            Accepted was = new Accepted(json.path("topic").asText(), List.copyOf(ids), json.path("at").asLong());
            if (!expired(was)) {
                accepted.put(key, was);
            }
        } catch (IOException e) {
            // not a key record of this adapter's: nothing to remember
        }
    }

    private boolean expired(Accepted was) {
        return was.atMillis() < clock.millis() - window.toMillis();
    }

    /** What the key's earlier request made, if it was accepted within the window. */
    Accepted find(String key) {
        Accepted was = accepted.get(key);
        if (was != null && expired(was)) {
            accepted.remove(key, was);
            return null;
        }
        return was;
    }

    /**
     * Claims a key for a request; null when this request is the first with it, else the earlier request's outcome
     * to wait for.
     */
    CompletableFuture<Accepted> claim(String key, CompletableFuture<Accepted> mine) {
        return pending.putIfAbsent(key, mine);
    }

    /** The request that claimed the key is done: accepted (what it made) or not (null: a retry may try again). */
    void done(String key, CompletableFuture<Accepted> mine, Accepted outcome) {
        if (outcome != null) {
            accepted.put(key, outcome);
            mine.complete(outcome);
        } else {
            mine.complete(null);
        }
        pending.remove(key, mine);
    }

    /** The record that keeps a key, written with its events. */
    ProducerRecord<byte[], byte[]> record(String key, Accepted outcome) {
        ObjectNode json = JSON.createObjectNode().put("topic", outcome.topic()).put("at", outcome.atMillis());
        outcome.ids().forEach(json.putArray("ids")::add);
        try {
            return new ProducerRecord<>(topic, 0, key.getBytes(StandardCharsets.UTF_8), JSON.writeValueAsBytes(json));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    long now() {
        return clock.millis();
    }

    /** Forgets keys past the window. */
    void expire() {
        accepted.entrySet().removeIf(entry -> expired(entry.getValue()));
    }

    int size() {
        return accepted.size();
    }
}
