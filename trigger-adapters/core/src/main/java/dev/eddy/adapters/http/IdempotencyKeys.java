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
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The idempotency keys the HTTP adapter has accepted, kept in a compacted topic: a key's record is written in the
 * same transaction as its events, so that after a crash the key is known exactly when its events are in Kafka. A
 * restarted adapter reads the topic before it takes requests. A key is remembered for the idempotency window.
 */
final class IdempotencyKeys {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a key's request made: its topic and event ids, and when. */
    record Accepted(String topic, List<String> ids, long atMillis) {
    }

    private final String topic;
    private final Duration window;
    private final Clock clock;
    private final Map<String, Accepted> accepted = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Accepted>> pending = new ConcurrentHashMap<>();

    private IdempotencyKeys(String topic, Duration window, Clock clock) {
        this.topic = topic;
        this.window = window;
        this.clock = clock;
    }

    /** Creates the keys topic if it is missing, and reads it. */
    static IdempotencyKeys load(EventPublisher.Options options, String topic, Duration window) {
        IdempotencyKeys keys = new IdempotencyKeys(topic, window, Clock.systemUTC());
        AdapterKafka.createTopic(options, topic, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, "compact,delete",
                TopicConfig.RETENTION_MS_CONFIG, String.valueOf(window.toMillis())));
        AdapterKafka.readWhole(options, topic, Duration.ZERO, keys::apply);
        return keys;
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
