package dev.eddy.engine.state;

import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.kafka.ClientConfigs;
import dev.eddy.sdk.runtime.CallState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keyed state in a compacted changelog topic, partitioned like the function's input topic (the state of the keys
 * of input partition <i>p</i> is in changelog partition <i>p</i>), with a copy in memory of the partitions this
 * engine owns. A partition's copy is read from its changelog when the partition is assigned, before its first
 * record, and dropped when the partition goes. Each save updates the copy and sends the key's whole state to the
 * changelog (a tombstone when none is left) on the function's own producer — inside its transaction for an
 * exactly-once function, so that an aborted transaction takes its state changes with it ({@link #aborted} then
 * reads the copy again).
 *
 * <p>The changelog record's key is the input record's key; its value is {@link KeyState#encode}.
 */
public final class KafkaKeyedStore implements KeyedStore {

    private static final Logger log = LoggerFactory.getLogger(KafkaKeyedStore.class);
    /** How long restoring waits for a poll before it says where it is. */
    private static final Duration RESTORE_POLL = Duration.ofMillis(200);
    private static final long PROGRESS_EVERY_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** Leaves room for the record's key and headers under the producer's default 1 MiB request size. */
    static final int MAX_STATE_BYTES = 900 * 1024;

    private final String function;
    private final String changelog;
    private final String input;
    private final Producer<byte[], byte[]> producer;
    private final EngineConfig config;
    private final StateMetrics metrics;
    private final Map<Integer, ConcurrentHashMap<String, KeyState>> partitions = new ConcurrentHashMap<>();
    /** Keys whose changelog record waits for its call's outputs: when it will have been sent. */
    private final Map<String, CompletableFuture<Void>> waiting = new ConcurrentHashMap<>();
    /** Sends the changelog records that waited, off the producer's own thread. */
    private final ExecutorService sender;

    /**
     * @param changelog the changelog topic, with as many partitions as {@code input}
     * @param producer  the function's producer (transactional for an exactly-once function); not closed here
     */
    public KafkaKeyedStore(String function, String changelog, String input, Producer<byte[], byte[]> producer,
            EngineConfig config, StateMetrics metrics) {
        this.function = function;
        this.changelog = changelog;
        this.input = input;
        this.producer = producer;
        this.config = config;
        this.metrics = metrics;
        this.sender = Executors.newSingleThreadExecutor(
                Thread.ofPlatform().name("eddy-" + function + "-changelog").daemon().factory());
    }

    @Override
    public KeyState load(TopicPartition source, String key) {
        KeyState state = owned(source).get(key);
        return state == null ? KeyState.empty() : state;
    }

    @Override
    public boolean defersWrites() {
        return true;
    }

    /**
     * Updates the copy at once (the key's next call reads it) and sends the changelog record when the call's
     * outputs are acknowledged — in the key's order: a key's record waiting for that goes out before any later one
     * of the same key.
     */
    @Override
    public CompletableFuture<Void> save(TopicPartition source, String key, byte[] recordKey, KeyState state,
            CompletableFuture<Void> emitted, Remake remake) {
        Map<String, KeyState> copy = owned(source);
        byte[] value = state.isEmpty() ? null : state.encode();
        if (value != null && value.length > MAX_STATE_BYTES) {
            throw new StateStoreException("Function '" + function + "': the state of key '" + key + "' would take "
                    + value.length + " bytes, more than the " + MAX_STATE_BYTES + " a changelog record holds; keep"
                    + " less per key (a map state with time-to-live, or an external store)");
        }
        int partition = source.partition();
        CompletableFuture<Void> written = new CompletableFuture<>();
        // The copy and the changelog change together, per key, so that a sweep of the same key cannot come between.
        copy.compute(key, (k, old) -> {
            CompletableFuture<Void> earlier = waiting.get(key);
            if (earlier == null && (emitted == null || emitted.isDone())) {
                send(partition, recordKey, value, written);
            } else {
                CompletableFuture<Void> ready = earlier == null ? emitted
                        : emitted == null ? earlier : CompletableFuture.allOf(earlier, emitted);
                // Sent whether or not the outputs were taken: a refused output dead-letters its record, and a failed
                // one stops the function; either way the state is what the call made it.
                CompletableFuture<Void> sent = ready.handleAsync((ok, e) -> {
                    send(partition, recordKey, value, written);
                    return null;
                }, sender);
                waiting.put(key, sent);
                sent.whenComplete((ok, e) -> waiting.remove(key, sent));
            }
            if (old == null && value != null) {
                metrics.keys.incrementAndGet();
            } else if (old != null && value == null) {
                metrics.keys.decrementAndGet();
            }
            return value == null ? null : state;
        });
        return written;
    }

    private void send(int partition, byte[] recordKey, byte[] value, CompletableFuture<Void> written) {
        try {
            producer.send(new ProducerRecord<>(changelog, partition, recordKey, value),
                    (metadata, exception) -> {
                        if (exception == null) {
                            written.complete(null);
                        } else {
                            written.completeExceptionally(exception);
                        }
                    });
        } catch (RuntimeException e) {
            written.completeExceptionally(e); // the producer is closed or fenced: the function is stopping
        }
    }

    private Map<String, KeyState> owned(TopicPartition source) {
        Map<String, KeyState> copy = partitions.get(source.partition());
        if (copy == null || !source.topic().equals(input)) {
            throw new IllegalStateException("Function '" + function + "' has no state restored for " + source
                    + "; it keeps the state of its input '" + input + "' only, for the partitions it owns");
        }
        return copy;
    }

    @Override
    public void assigned(Collection<TopicPartition> assigned) {
        List<Integer> mine = new ArrayList<>();
        for (TopicPartition partition : assigned) {
            if (partition.topic().equals(input)) {
                mine.add(partition.partition());
            }
        }
        restore(mine);
    }

    @Override
    public void revoked(Collection<TopicPartition> revoked) {
        for (TopicPartition partition : revoked) {
            if (partition.topic().equals(input)) {
                Map<String, KeyState> dropped = partitions.remove(partition.partition());
                if (dropped != null) {
                    metrics.keys.addAndGet(-dropped.size());
                }
            }
        }
    }

    @Override
    public void aborted() {
        List<Integer> owned = new ArrayList<>(partitions.keySet());
        log.info("Function '{}': reading the state of partitions {} again after an aborted transaction", function,
                owned);
        partitions.values().forEach(copy -> metrics.keys.addAndGet(-copy.size()));
        partitions.clear();
        restore(owned);
    }

    /** Reads the partitions' changelog to its end into fresh copies; the partitions are ready when it returns. */
    private void restore(List<Integer> numbers) {
        if (numbers.isEmpty()) {
            return;
        }
        Map<Integer, ConcurrentHashMap<String, KeyState>> restored = new HashMap<>();
        numbers.forEach(number -> restored.put(number, new ConcurrentHashMap<>()));
        long start = System.nanoTime();
        long read = readChangelog(config, "eddy-" + function + "-restore", changelog, numbers, metrics,
                record -> apply(record, restored.get(record.partition())));
        int keys = restored.values().stream().mapToInt(Map::size).sum();
        partitions.putAll(restored);
        metrics.keys.addAndGet(keys);
        log.info("Function '{}' restored the state of partitions {}: {} keys from {} changelog records in {} ms",
                function, numbers, keys, read, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    /**
     * Applies one changelog record to the states read so far: a tombstone deletes its key; a write older than the
     * one kept (a former owner's, late) does not undo it.
     */
    static void apply(ConsumerRecord<byte[], byte[]> record, Map<String, KeyState> states) {
        String key = CallState.storeKey(record.key());
        if (record.value() == null) {
            states.remove(key);
            return;
        }
        KeyState state = KeyState.decode(record.value());
        KeyState known = states.get(key);
        if (known == null || state.includes(known)) {
            states.put(key, state);
        }
    }

    /**
     * Reads changelog partitions from their beginning to their end (as read_committed readers see it), saying how
     * far it got every few seconds.
     *
     * @return how many records it read
     */
    static long readChangelog(EngineConfig config, String clientId, String changelog, Collection<Integer> numbers,
            StateMetrics metrics, Consumer<ConsumerRecord<byte[], byte[]>> each) {
        Map<String, Object> props = ClientConfigs.reader(config, clientId);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = numbers.stream().map(n -> new TopicPartition(changelog, n)).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long total = 0;
            for (TopicPartition partition : partitions) {
                total += ends.get(partition) - consumer.position(partition);
            }
            metrics.restoring.addAndGet(total);
            long counted = total; // what this restore adds to the gauge now
            long read = 0;
            long lastProgress = System.nanoTime();
            try {
                while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(RESTORE_POLL)) {
                        each.accept(record);
                        read++;
                    }
                    long left = 0;
                    for (TopicPartition partition : partitions) {
                        left += Math.max(0, ends.get(partition) - consumer.position(partition));
                    }
                    metrics.restoring.addAndGet(left - counted);
                    counted = left;
                    if (System.nanoTime() - lastProgress > PROGRESS_EVERY_NANOS) {
                        lastProgress = System.nanoTime();
                        log.info("Restoring the state in '{}': {} of about {} records read", changelog, read, total);
                    }
                }
            } finally {
                metrics.restoring.addAndGet(-counted);
                metrics.restored.increment(read);
            }
            return read;
        }
    }

    @Override
    public int sweep(long nowMillis) {
        int changed = 0;
        for (Map.Entry<Integer, ConcurrentHashMap<String, KeyState>> owned : partitions.entrySet()) {
            int partition = owned.getKey();
            for (Map.Entry<String, KeyState> entry : owned.getValue().entrySet()) {
                if (entry.getValue().nextExpiry() > nowMillis || waiting.containsKey(entry.getKey())) {
                    continue; // not expired, or not in the changelog yet: swept later
                }
                boolean[] swept = {false};
                owned.getValue().computeIfPresent(entry.getKey(), (key, state) -> {
                    KeyState left = state.copy();
                    if (!left.dropExpired(nowMillis)) {
                        return state;
                    }
                    swept[0] = true;
                    CompletableFuture<Void> written = new CompletableFuture<>();
                    written.whenComplete((ok, e) -> {
                        if (e != null) {
                            log.warn("Function '{}' could not remove expired state of key '{}' from '{}': {}",
                                    function, key, changelog, e.toString());
                        }
                    });
                    send(partition, Base64.getUrlDecoder().decode(key), left.isEmpty() ? null : left.encode(), written);
                    if (left.isEmpty()) {
                        metrics.keys.decrementAndGet();
                    }
                    return left.isEmpty() ? null : left;
                });
                if (swept[0]) {
                    changed++;
                }
            }
        }
        metrics.expired.increment(changed);
        return changed;
    }

    @Override
    public void close() {
        sender.shutdown();
        partitions.values().forEach(copy -> metrics.keys.addAndGet(-copy.size()));
        partitions.clear();
    }
}
