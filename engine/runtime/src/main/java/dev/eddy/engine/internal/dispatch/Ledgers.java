package dev.eddy.engine.internal.dispatch;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The ledgers of the partitions a worker owns, and the per-partition backpressure on them: a partition with
 * {@code maxBufferedPerPartition} records in flight is paused on its own and resumed once half of them are done, so
 * that one slow partition cannot hold the function's whole budget.
 *
 * <p>Threading: the poll loop's (the rebalance listener runs on it too).
 */
final class Ledgers {

    private final Consumer<?, ?> consumer;
    private final int maxBufferedPerPartition;
    /**
     * How many times its share a partition holds in memory, complete but not committable behind a record waiting for
     * a retry, before it is paused.
     */
    static final int HELD_BEHIND_RETRY = 20;
    private final Map<TopicPartition, PartitionState> partitions = new HashMap<>();
    private int pausedCount;

    Ledgers(Consumer<?, ?> consumer, int maxBufferedPerPartition) {
        this.consumer = consumer;
        this.maxBufferedPerPartition = maxBufferedPerPartition;
    }

    /** The partition's ledger, or null if the partition is not (or no longer) this worker's. */
    PartitionState get(TopicPartition partition) {
        return partitions.get(partition);
    }

    boolean owns(TopicPartition partition) {
        return partitions.containsKey(partition);
    }

    Collection<PartitionState> all() {
        return partitions.values();
    }

    int size() {
        return partitions.size();
    }

    /** The partition's ledger, made by {@code create} if it has none yet. */
    PartitionState add(TopicPartition partition, Function<TopicPartition, PartitionState> create) {
        return partitions.computeIfAbsent(partition, create);
    }

    /** Forgets the partitions; returns the ledgers they had. */
    List<PartitionState> remove(Collection<TopicPartition> gone) {
        List<PartitionState> removed = new ArrayList<>();
        for (TopicPartition partition : gone) {
            PartitionState ledger = partitions.remove(partition);
            if (ledger != null) {
                removed.add(ledger);
                if (ledger.paused()) {
                    pausedCount--;
                }
            }
        }
        return removed;
    }

    void clear() {
        partitions.clear();
        pausedCount = 0;
    }

    /** Whether some partition is paused for backpressure. */
    boolean anyPaused() {
        return pausedCount > 0;
    }

    /** How many partitions are paused now. */
    int pausedCount() {
        return pausedCount;
    }

    /**
     * Pauses the ledger's partition if it has reached its share of records in flight, or holds many times that in
     * memory behind a record that waits for a retry.
     */
    void pauseIfFull(PartitionState ledger) {
        if (!ledger.paused() && full(ledger)) {
            consumer.pause(List.of(ledger.partition));
            ledger.markPaused(true);
            pausedCount++;
        }
    }

    private boolean full(PartitionState ledger) {
        // buffered() bounds incomplete(): the count of incomplete records is taken only when it may matter.
        return ledger.buffered() >= maxBufferedPerPartition && (ledger.incomplete() >= maxBufferedPerPartition
                || ledger.buffered() >= (long) HELD_BEHIND_RETRY * maxBufferedPerPartition);
    }

    /** Resumes the paused partitions that have drained to half their share. */
    void resumeDrained() {
        if (pausedCount == 0) {
            return;
        }
        for (PartitionState ledger : partitions.values()) {
            if (ledger.paused() && ledger.incomplete() <= maxBufferedPerPartition / 2
                    && ledger.buffered() <= (long) HELD_BEHIND_RETRY * maxBufferedPerPartition / 2) {
                consumer.resume(List.of(ledger.partition));
                ledger.markPaused(false);
                pausedCount--;
            }
        }
    }

    /**
     * Pauses the partitions not paused already, for a poll that only keeps the member in its group (the function
     * has its budget of records in flight); {@link #release} resumes them.
     */
    List<TopicPartition> hold() {
        List<TopicPartition> held = new java.util.ArrayList<>();
        for (PartitionState ledger : partitions.values()) {
            if (!ledger.paused()) {
                held.add(ledger.partition);
            }
        }
        consumer.pause(held);
        return held;
    }

    /** Resumes what {@link #hold} paused, of the partitions still assigned. */
    void release(List<TopicPartition> held) {
        java.util.Set<TopicPartition> assigned = consumer.assignment();
        consumer.resume(held.stream().filter(assigned::contains).toList());
    }

    /** Pauses every partition (a transaction's barrier); {@link #resumeAll} undoes it and any backpressure pause. */
    void pauseAll() {
        consumer.pause(consumer.assignment());
    }

    void resumeAll() {
        for (PartitionState ledger : partitions.values()) {
            ledger.markPaused(false);
        }
        pausedCount = 0;
        consumer.resume(consumer.assignment());
    }

    /** The positions of the ledgers that moved since their last commit, which are no longer marked as moved. */
    static Map<TopicPartition, OffsetAndMetadata> committable(Collection<PartitionState> ledgers) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (PartitionState ledger : ledgers) {
            if (ledger.dirty()) {
                offsets.put(ledger.partition, new OffsetAndMetadata(ledger.position()));
                ledger.markDirty(false);
            }
        }
        return offsets;
    }

    /** A commit of these offsets failed: they are to be committed again. */
    void commitFailed(Collection<TopicPartition> failed) {
        for (TopicPartition partition : failed) {
            PartitionState ledger = partitions.get(partition);
            if (ledger != null) {
                ledger.markDirty(true);
            }
        }
    }

    /**
     * Exactly-once: where to commit each ledger that moved since its last commit (see {@link CommitPoint}), and
     * notes them as committed once {@code commit} has committed them.
     *
     * @param commit commits the offsets; throws when it cannot, and nothing is noted
     */
    void commitPoints(Collection<PartitionState> ledgers,
            java.util.function.Consumer<Map<TopicPartition, OffsetAndMetadata>> commit) {
        Map<PartitionState, CommitPoint> points = new HashMap<>();
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (PartitionState ledger : ledgers) {
            CommitPoint point = ledger.commitPoint();
            if (point != null) {
                points.put(ledger, point);
                offsets.put(ledger.partition, point.toOffsetAndMetadata());
            }
        }
        commit.accept(offsets);
        points.forEach((ledger, point) -> {
            ledger.markDirty(false);
            ledger.markCommitted(point);
        });
    }

    /** These offsets are committed: an aborted transaction rewinds to them. */
    void committed(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach((partition, offset) -> {
            PartitionState ledger = partitions.get(partition);
            if (ledger != null) {
                ledger.markCommitted(offset.offset());
            }
        });
    }
}
