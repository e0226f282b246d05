package dev.eddy.engine.internal.dispatch;

import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.state.KeyedStore;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a worker's ledgers and lanes in step with its assignment. A partition assigned gets a ledger and a lane of
 * its own, its starting position, and its keyed state read. A partition revoked is drained and what completed is
 * committed before it is let go. Partitions lost (the member was thrown out of its group) are not committed: under
 * EXACTLY_ONCE the open transaction may hold outputs of their records, so it is aborted.
 *
 * <p>Threading: the poll loop's, inside {@code poll()}.
 */
final class Rebalances implements ConsumerRebalanceListener {

    private static final Logger log = LoggerFactory.getLogger(Rebalances.class);
    private static final Duration COMMITTED_TIMEOUT = Duration.ofSeconds(30);

    /** How the worker drains ledgers and commits (or, with {@code abort}, aborts) what completed. */
    interface Drain {
        void drainAndCommit(Collection<PartitionState> ledgers, boolean abort);
    }

    private final FunctionDefinition function;
    private final Consumer<byte[], byte[]> consumer;
    private final Ledgers partitions;
    private final Lanes lanes;
    private final IdlePolicy idle;
    /** Null when the function declares no state. */
    private final KeyedStore stateStore;
    private final FunctionMetrics metrics;
    private final Ticker ticker;
    private final boolean transactional;
    private final Drain drain;
    private final BooleanSupplier stopping;
    /** Told the partitions owned now: all, and those of the inputs (without the replay topic's). */
    private final java.util.function.BiConsumer<Integer, Integer> assignedCount;

    Rebalances(FunctionDefinition function, Consumer<byte[], byte[]> consumer, Ledgers partitions, Lanes lanes,
            IdlePolicy idle, KeyedStore stateStore, FunctionMetrics metrics, Ticker ticker, boolean transactional,
            Drain drain, BooleanSupplier stopping, java.util.function.BiConsumer<Integer, Integer> assignedCount) {
        this.function = function;
        this.consumer = consumer;
        this.partitions = partitions;
        this.lanes = lanes;
        this.idle = idle;
        this.stateStore = stateStore;
        this.metrics = metrics;
        this.ticker = ticker;
        this.transactional = transactional;
        this.drain = drain;
        this.stopping = stopping;
        this.assignedCount = assignedCount;
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
        for (TopicPartition partition : assigned) {
            partitions.add(partition, p -> new PartitionState(p, lanes.ownLane(), ticker.nanoTime()));
        }
        counted();
        idle.assigned(ticker.nanoTime());
        log.info("Function '{}' was assigned {}", function.name(), assigned);
        StartingPositions.apply(consumer, function.startingPosition(), assigned);
        if (transactional && !assigned.isEmpty()) {
            readCommitPoints(assigned);
        }
        if (stateStore != null) {
            stateStore.assigned(assigned); // before their first record: the state is read now
        }
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
        List<PartitionState> ledgers = forget(revoked);
        if (!stopping.getAsBoolean()) {
            metrics.partitionsRevoked.increment(revoked.size());
        }
        if (!ledgers.isEmpty()) {
            drain.drainAndCommit(ledgers, false);
        }
        if (stateStore != null) {
            stateStore.revoked(revoked);
        }
        log.info("Function '{}' gave up {}", function.name(), revoked);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> lost) {
        List<PartitionState> gone = forget(lost);
        if (transactional && !gone.isEmpty()) {
            // The open transaction may hold outputs of the lost partitions' records: it must not be committed.
            drain.drainAndCommit(gone, true);
        }
        if (stateStore != null) {
            stateStore.revoked(lost);
        }
        metrics.partitionsRevoked.increment(lost.size());
        log.warn("Function '{}' lost {} without committing; their records in flight will be delivered again",
                function.name(), lost);
    }

    /**
     * Exactly-once: learns from each partition's last commit which records past it were done (a commit that passed
     * records waiting for a retry), so that they are not handled twice.
     *
     * @throws org.apache.kafka.common.KafkaException when Kafka cannot say: the worker stops rather than risk it
     */
    private void readCommitPoints(Collection<TopicPartition> assigned) {
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(assigned),
                COMMITTED_TIMEOUT);
        committed.forEach((partition, offset) -> {
            PartitionState ledger = partitions.get(partition);
            CommitPoint point = CommitPoint.of(offset);
            if (ledger != null && point != null) {
                ledger.markCommitted(point);
                if (point.hasDoneRecords()) {
                    log.info("Function '{}': {} was committed at {} with records up to {} done but {}; those are"
                            + " skipped", function.name(), partition, point.offset(), point.end(),
                            point.incompleteList());
                }
            }
        });
    }

    private void counted() {
        String replay = function.replayTopic();
        int inputs = (int) partitions.all().stream().filter(p -> !p.partition.topic().equals(replay)).count();
        assignedCount.accept(partitions.size(), inputs);
    }

    private List<PartitionState> forget(Collection<TopicPartition> gone) {
        List<PartitionState> removed = partitions.remove(gone);
        removed.forEach(lanes::forget);
        counted();
        return removed;
    }
}
