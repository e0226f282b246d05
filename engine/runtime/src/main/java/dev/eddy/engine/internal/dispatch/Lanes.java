package dev.eddy.engine.internal.dispatch;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's lanes: each partition's own lane, and, in KEY and UNORDERED order, the {@link KeyLanes} its records
 * are split over; the virtual threads they run on; and the {@link Watchdog} over all of them. It hands a
 * partition's chunks to the right lane and drains partitions that are let go.
 *
 * <p>Threading: {@link #submit}, {@link #ownLane}, {@link #forget} and {@link #drain} on the poll loop; the lane
 * list is read by the watchdog's and the scraping threads.
 */
final class Lanes {

    private static final Logger log = LoggerFactory.getLogger(Lanes.class);

    private final LaneSetup setup;
    private final LaneThreads threads;
    /** Null in PARTITION order, where each partition runs on its own lane. */
    private final KeyLanes keyLanes;
    /** Every lane: the key lanes and the partitions' own. */
    private final List<LaneRunner> all = new CopyOnWriteArrayList<>();
    private final String function;

    /** @param threads the executor of {@code setup}, which this shuts down */
    Lanes(String function, LaneSetup setup, LaneThreads threads, int maxConcurrency, Duration timeout) {
        this.function = function;
        this.setup = setup;
        this.threads = threads;
        this.keyLanes = KeyLanes.create(setup, maxConcurrency);
        if (keyLanes != null) {
            all.addAll(keyLanes.lanes());
        }
        Watchdog watchdog = new Watchdog(function, timeout, () -> all.stream().map(runner -> runner.watch).toList());
        setup.timers().every(watchdog, watchdog.periodNanos());
    }

    /** A new partition's own lane. */
    LaneRunner ownLane() {
        LaneRunner own = new LaneRunner(setup);
        all.add(own);
        return own;
    }

    /** The partition is let go: its lane is no longer watched. */
    void forget(PartitionState ledger) {
        all.remove(ledger.runner);
    }

    /** Every lane, for the gauges. */
    List<LaneRunner> all() {
        return all;
    }

    /** Hands a chunk to its partition's lane, which runs it or splits it over the key lanes. */
    void submit(Chunk chunk, PartitionState ledger) {
        LaneRunner own = ledger.runner;
        if (keyLanes == null) {
            own.submit(() -> own.run(chunk, chunk.records(), null));
        } else {
            own.submit(() -> keyLanes.split(chunk, ledger));
        }
    }

    /**
     * Lets the ledgers' records go: those waiting for a retry at once (they will be delivered again), those running
     * once they complete, for up to the timeout.
     */
    void drain(Collection<PartitionState> ledgers, Duration timeout) {
        for (PartitionState ledger : ledgers) {
            ledger.abandon();
            ledger.runner.submitPurge();
        }
        if (keyLanes != null) {
            keyLanes.lanes().forEach(LaneRunner::submitPurge);
        }
        CompletableFuture<?>[] drains = ledgers.stream().map(PartitionState::drained).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(drains).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            long left = ledgers.stream().mapToInt(PartitionState::buffered).sum();
            List<TopicPartition> partitions = ledgers.stream().map(ledger -> ledger.partition).toList();
            log.warn("Function '{}': {} records of {} still in flight after {}; committing what completed, the rest"
                    + " will be delivered again", function, left, partitions, timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException("chunk completions never fail", e);
        }
    }

    /** Whether records are split over key lanes (KEY and UNORDERED order). */
    boolean splits() {
        return keyLanes != null;
    }

    /** Stops taking tasks; the running ones finish. */
    void shutdown() {
        threads.shutdown();
    }
}
