package dev.eddy.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one watcher of every function of this engine that is scaled to zero: no consumer each, but one request for
 * the end offsets of all their input partitions every interval (as read_committed consumers see them: an open
 * transaction's records wake nobody until it commits), compared with where each function's worker was when it let
 * go. A function whose inputs hold a record past that is woken. The ends are asked of one consumer of its own (in
 * no group), which keeps the partitions' leaders between requests; an admin request would fetch the metadata of
 * every watched topic each time, which with a thousand functions at zero costs more than the watching itself.
 */
final class IdleWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(IdleWatcher.class);
    private static final long WARN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final Admin admin;
    /** Asks for the ends; used by the watcher's thread only, which closes it. */
    private final Consumer<byte[], byte[]> ends;
    private final long intervalMillis;
    /** Each function at zero, with where it was in each of its partitions when it let go. */
    private final Map<RunningFunction, Map<TopicPartition, Long>> watched = new ConcurrentHashMap<>();
    /** Functions at zero that never had a worker here: their group's committed offsets are still to be read. */
    private final Set<RunningFunction> pending = ConcurrentHashMap.newKeySet();
    private final Thread thread;
    private volatile boolean closed;
    private long lastWarning;

    /** @param ends a read_committed consumer in no group, which the watcher owns */
    IdleWatcher(Admin admin, Consumer<byte[], byte[]> ends, Duration interval) {
        this.admin = admin;
        this.ends = ends;
        this.intervalMillis = interval.toMillis();
        this.thread = Thread.ofPlatform().name("eddy-idle-watcher").daemon().start(this::run);
    }

    /**
     * Watches a function that scaled to zero.
     *
     * @param positions where its worker was in each of its partitions when it let go; null when it had none (it
     *                  was deployed at zero): then its group's committed offsets are read
     */
    void watch(RunningFunction function, Map<TopicPartition, Long> positions) {
        if (positions == null) {
            pending.add(function);
        } else {
            watched.put(function, Map.copyOf(positions));
        }
        synchronized (this) {
            notifyAll();
        }
    }

    /** Stops watching a function (undeployed). */
    void forget(RunningFunction function) {
        pending.remove(function);
        watched.remove(function);
    }

    /** How many functions it watches with their positions known (not waiting for their group's offsets). */
    int watching() {
        return watched.size();
    }

    /** How many functions it watches. */
    int size() {
        return watched.size() + pending.size();
    }

    private void run() {
        try {
            watch();
        } finally {
            ends.close(Duration.ofSeconds(5));
        }
    }

    private void watch() {
        while (!closed) {
            try {
                synchronized (this) {
                    if (watched.isEmpty() && pending.isEmpty()) {
                        wait(1000);
                        continue;
                    }
                }
                for (RunningFunction function : List.copyOf(pending)) {
                    Map<TopicPartition, Long> read = committed(function);
                    if (pending.remove(function)) { // not forgotten meanwhile
                        watched.put(function, read);
                    }
                }
                check();
                synchronized (this) {
                    wait(intervalMillis);
                }
            } catch (InterruptedException | org.apache.kafka.common.errors.InterruptException e) {
                return;
            } catch (Exception e) {
                if (System.nanoTime() - lastWarning > WARN_EVERY_NANOS) {
                    lastWarning = System.nanoTime();
                    log.warn("The watcher of functions at zero cannot read offsets ({}); trying again", e.toString());
                }
                try {
                    synchronized (this) {
                        wait(Math.max(intervalMillis, 500));
                    }
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    /** A function's input and replay partitions, at its group's committed offsets (0 where it has none). */
    private Map<TopicPartition, Long> committed(RunningFunction function) throws Exception {
        FunctionDefinition definition = function.definition();
        List<String> topics = new ArrayList<>(definition.inputs());
        topics.add(definition.replayTopic());
        Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames()
                .get(10, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(definition.groupId())
                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        Map<TopicPartition, Long> positions = new HashMap<>();
        described.values().forEach(topic -> topic.partitions().forEach(partition -> {
            TopicPartition tp = new TopicPartition(topic.name(), partition.partition());
            OffsetAndMetadata at = offsets.get(tp);
            positions.put(tp, at == null ? 0L : at.offset());
        }));
        return positions;
    }

    /** One request for every watched partition's end; wakes the functions that have records waiting. */
    private void check() throws Exception {
        if (watched.isEmpty()) {
            return;
        }
        Map<RunningFunction, Map<TopicPartition, Long>> all = Map.copyOf(watched);
        Set<TopicPartition> request = new java.util.HashSet<>();
        all.values().forEach(positions -> request.addAll(positions.keySet()));
        Map<TopicPartition, Long> latest = ends.endOffsets(request, Duration.ofSeconds(10));
        all.forEach((function, positions) -> {
            for (Map.Entry<TopicPartition, Long> partition : positions.entrySet()) {
                Long end = latest.get(partition.getKey());
                if (end != null && end > partition.getValue()) {
                    wake(function, positions);
                    return;
                }
            }
        });
    }

    private void wake(RunningFunction function, Map<TopicPartition, Long> positions) {
        if (watched.remove(function) == null) {
            return; // undeployed meanwhile
        }
        try {
            if (function.wake()) {
                log.info("Function '{}' woke: records arrived while it was at zero", function.name());
            }
        } catch (RuntimeException e) {
            // Its worker could not be made (Kafka away?): it stays at zero and is tried again next time.
            watched.putIfAbsent(function, positions);
            if (System.nanoTime() - lastWarning > WARN_EVERY_NANOS) {
                lastWarning = System.nanoTime();
                log.warn("Function '{}' could not wake: {}; trying again", function.name(), e.toString());
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
