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
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one watcher of every function of this engine that is scaled to zero: not a consumer each, but one consumer
 * of its own (in no group, read_committed) assigned every partition the functions at zero read, each at where its
 * function's worker was when it let go. Its fetch waits at the broker until a record arrives on any of them (or
 * {@code idle.watch.interval.ms} passes, and it asks again), so a record wakes its function as soon as it is
 * committed, and nothing arriving costs one small request (an incremental fetch session) per interval, however many
 * functions are at zero. An open transaction's records wake nobody until it commits; aborted ones never do.
 *
 * <p>Threading: {@link #watch}, {@link #forget} and {@link #close} from any thread; the consumer is used by the
 * watcher's thread only, which they wake.
 */
final class IdleWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(IdleWatcher.class);
    private static final long WARN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** How long one poll waits for records; any change to what is watched ends it at once. */
    private static final Duration POLL_TIMEOUT = Duration.ofSeconds(5);

    private final Admin admin;
    /** The watching consumer; used by the watcher's thread only, which closes it. */
    private final Consumer<byte[], byte[]> records;
    private final Duration interval;
    /** Each function at zero, with where it was in each of its partitions when it let go. */
    private final Map<RunningFunction, Map<TopicPartition, Long>> watched = new ConcurrentHashMap<>();
    /** Functions at zero that never had a worker here: their group's committed offsets are still to be read. */
    private final Set<RunningFunction> pending = ConcurrentHashMap.newKeySet();
    /** Bumped at every change of what is watched: the watcher's thread assigns its consumer again. */
    private final java.util.concurrent.atomic.AtomicLong changes = new java.util.concurrent.atomic.AtomicLong();
    private final Thread thread;
    private volatile boolean closed;
    private long lastWarning;
    /** What the consumer was last assigned for (watcher's thread only). */
    private long assignedAt = -1;

    /**
     * @param records  a read_committed consumer in no group, which the watcher owns
     * @param interval the consumer's fetch.max.wait.ms: how long a fetch waits at the broker for records
     */
    IdleWatcher(Admin admin, Consumer<byte[], byte[]> records, Duration interval) {
        this.admin = admin;
        this.records = records;
        this.interval = interval;
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
        changed();
    }

    /** Stops watching a function (undeployed). */
    void forget(RunningFunction function) {
        pending.remove(function);
        if (watched.remove(function) != null) {
            changed();
        }
    }

    private void changed() {
        changes.incrementAndGet();
        synchronized (this) {
            notifyAll();
        }
        records.wakeup(); // out of a fetch waiting at the broker: the assignment is to change
    }

    /** How many functions it watches with their positions known (not waiting for their group's offsets). */
    int watching() {
        return watched.size();
    }

    private void run() {
        try {
            watchAll();
        } finally {
            try {
                records.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                log.warn("The watcher of functions at zero could not close its consumer: {}", e.toString());
            }
        }
    }

    private void watchAll() {
        while (!closed) {
            try {
                synchronized (this) {
                    if (watched.isEmpty() && pending.isEmpty()) {
                        if (!records.assignment().isEmpty()) {
                            records.assign(List.of());
                        }
                        wait(1000);
                        continue;
                    }
                }
                for (RunningFunction function : List.copyOf(pending)) {
                    Map<TopicPartition, Long> read;
                    try {
                        read = committed(function);
                    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                        warn("Function '" + function.name() + "' at zero: its inputs or its group's offsets cannot"
                                + " be read (" + e.getMessage() + "); trying again");
                        continue; // stays pending; the others are watched meanwhile
                    }
                    if (pending.remove(function)) { // not forgotten meanwhile
                        watched.put(function, read);
                        changes.incrementAndGet();
                    }
                }
                long now = changes.get();
                if (now != assignedAt) {
                    assign();
                    assignedAt = now;
                }
                if (records.assignment().isEmpty()) {
                    synchronized (this) {
                        wait(Math.max(interval.toMillis(), 500)); // only functions whose offsets are still unread
                    }
                    continue;
                }
                // Returns as soon as a record arrives; the fetch waits at the broker up to the interval each time.
                ConsumerRecords<byte[], byte[]> arrived = records.poll(POLL_TIMEOUT);
                if (!arrived.isEmpty()) {
                    wakeFor(arrived);
                }
            } catch (org.apache.kafka.common.errors.WakeupException e) {
                // what is watched changed, or the watcher is closing: the loop looks again
            } catch (InterruptedException | org.apache.kafka.common.errors.InterruptException e) {
                return;
            } catch (Exception e) {
                warn("The watcher of functions at zero cannot read their partitions (" + e + "); trying again");
                assignedAt = -1; // start again from the functions' positions
                try {
                    synchronized (this) {
                        wait(Math.max(interval.toMillis(), 500));
                    }
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    /**
     * Assigns every watched partition, each at the lowest position of the functions that watch it (two functions
     * may read one topic; what is read again below another's position wakes nobody twice).
     */
    private void assign() {
        Map<TopicPartition, Long> lowest = new HashMap<>();
        watched.values().forEach(positions -> positions.forEach((partition, position) ->
                lowest.merge(partition, position, Math::min)));
        records.assign(lowest.keySet());
        lowest.forEach(records::seek);
    }

    /** Logs a warning, at most one every 30 s. */
    private void warn(String message) {
        if (System.nanoTime() - lastWarning > WARN_EVERY_NANOS) {
            lastWarning = System.nanoTime();
            log.warn(message);
        }
    }

    /** Wakes each function with a record past its position in a partition it watches. */
    private void wakeFor(ConsumerRecords<byte[], byte[]> arrived) {
        Map<TopicPartition, Long> last = new HashMap<>();
        for (TopicPartition partition : arrived.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> inPartition = arrived.records(partition);
            last.put(partition, inPartition.get(inPartition.size() - 1).offset());
        }
        for (Map.Entry<RunningFunction, Map<TopicPartition, Long>> entry : Map.copyOf(watched).entrySet()) {
            for (Map.Entry<TopicPartition, Long> partition : entry.getValue().entrySet()) {
                Long offset = last.get(partition.getKey());
                if (offset != null && offset >= partition.getValue()) {
                    wake(entry.getKey(), entry.getValue());
                    break;
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

    private void wake(RunningFunction function, Map<TopicPartition, Long> positions) {
        if (watched.remove(function) == null) {
            return; // undeployed meanwhile
        }
        changes.incrementAndGet(); // its partitions are no longer watched (unless another function reads them)
        try {
            if (function.wake()) {
                log.info("Function '{}' woke: records arrived while it was at zero", function.name());
            }
        } catch (RuntimeException e) {
            // Its worker could not be made (Kafka away?): it stays at zero, and the watcher looks again from its
            // positions after a pause.
            watched.putIfAbsent(function, positions);
            throw new IllegalStateException("function '" + function.name() + "' could not wake: " + e, e);
        }
    }

    @Override
    public void close() {
        closed = true;
        records.wakeup(); // out of a poll; the thread closes the consumer
        synchronized (this) {
            notifyAll();
        }
    }
}
