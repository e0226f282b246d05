package dev.eddy.engine.internal.dispatch;

import dev.eddy.engine.Ordering;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.utils.Utils;

/**
 * A fixed table of lanes that run a function's records concurrently: in {@link Ordering#KEY} order a key always
 * hashes to the same lane, so its records run one after the other and in order, while other keys run on the other
 * lanes, also within one partition; in {@link Ordering#UNORDERED} order a chunk is spread over the lanes in
 * contiguous slices. There are several times more lanes than the function's max concurrency, which their shared
 * {@link BoundedThreads} keeps to, so that keys seldom share a lane: a busy or waiting key holds up only the few keys
 * that hash with it. The table is all the per-key state there is: no key is remembered once its records are done.
 *
 * <p>Handing a slice to a lane costs a few microseconds, far more than a fast handler's call; concurrency only pays
 * when calls wait (on I/O, most often). So while the function's calls are fast and none of a partition's records
 * are in the lanes, {@link #split} runs the partition's chunk right where it is, on the partition's own lane, in
 * order: the partitions still run concurrently, and the order of every key is kept, since a key's records all
 * come from one partition and none of that partition's records are anywhere else. Likewise, while records wait
 * for a retry on the partition's own lane, the partition's chunks stay there. Once in the lanes, a busy partition
 * would stay there (each chunk finds the last one's records still running), so when calls are fast again the
 * partition's lane waits a moment for its records in the lanes to finish and goes back to running in place; if they
 * do not finish in that moment (records wait there for a retry), it does not wait again for a while.
 *
 * <p>Threading: {@link #split} runs on the partition's own lane, so the chunks of a partition are split in offset
 * order and each lane receives its records in order.
 */
final class KeyLanes {

    /** Slices of fewer records than this are not worth a lane of their own in UNORDERED order. */
    private static final int MIN_UNORDERED_SLICE = 8;
    /** Lanes per unit of max concurrency. */
    static final int LANES_PER_CALL = 8;
    /** The most lanes a function has. */
    static final int MAX_LANES = 65_536;
    /** How long a partition's lane waits for its records in the key lanes to finish, to run in place again. */
    private static final long DRAIN_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /** After a wait that did not see them finish, how long before a partition's lane waits again. */
    private static final long DRAIN_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long DRAIN_CHECK_NANOS = TimeUnit.MICROSECONDS.toNanos(50);

    private final List<LaneRunner> lanes;
    private final Ordering ordering;
    private final int maxConcurrency;
    private final Invoker invoker;
    private int nextUnorderedLane;
    private final Ticker ticker;

    KeyLanes(Ordering ordering, int maxConcurrency, Invoker invoker, List<LaneRunner> lanes, Ticker ticker) {
        this.ticker = ticker;
        if (ordering == Ordering.PARTITION) {
            throw new IllegalArgumentException("PARTITION order runs on the partitions' own lanes");
        }
        this.ordering = ordering;
        this.maxConcurrency = maxConcurrency;
        this.invoker = invoker;
        this.lanes = List.copyOf(lanes);
    }

    /** The key lanes of a function in KEY or UNORDERED order, each within its max concurrency; null in PARTITION. */
    static KeyLanes create(LaneSetup setup, int maxConcurrency) {
        if (setup.ordering() == Ordering.PARTITION) {
            return null;
        }
        // The lanes take turns at the function's max concurrency of threads, a task each.
        BoundedThreads threads = new BoundedThreads(setup.executor(), maxConcurrency);
        int count = laneCount(maxConcurrency);
        List<LaneRunner> lanes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            lanes.add(new LaneRunner(setup, threads, 1));
        }
        return new KeyLanes(setup.ordering(), maxConcurrency, setup.invoker(), lanes, setup.ticker());
    }

    List<LaneRunner> lanes() {
        return lanes;
    }

    /**
     * Runs the chunk in place, or hands its records to their lanes; the chunk stays pending until every record
     * is done.
     *
     * @param partition the chunk's partition, whose own lane's task this runs in
     */
    void split(Chunk chunk, PartitionState partition) {
        LaneRunner own = partition.runner;
        AtomicInteger inLanes = partition.inLanes;
        if (own.hasWaiting() || (invoker.callsAreFast() && lanesDrained(partition))) {
            own.run(chunk, chunk.records(), null);
            return;
        }
        try {
            if (ordering == Ordering.KEY) {
                splitByKey(chunk, inLanes);
            } else {
                splitInSlices(chunk, inLanes);
            }
        } finally {
            chunk.release(); // the split itself is done
        }
    }

    /** Whether none of the partition's records are in the lanes, after a short wait for them if there are. */
    private boolean lanesDrained(PartitionState partition) {
        if (partition.inLanes.get() == 0) {
            return true;
        }
        if (ticker.nanoTime() - partition.drainWaitAllowedAt < 0) {
            return false;
        }
        // A spin of the lane's own thread, measured in real time: the wait is for the lanes to finish work now
        // running, not a timeout of the function's, and it must end even when the ticker stands still.
        long deadline = System.nanoTime() + DRAIN_WAIT_NANOS;
        while (partition.inLanes.get() > 0) {
            if (System.nanoTime() - deadline >= 0) {
                partition.drainWaitAllowedAt = ticker.nanoTime() + DRAIN_BACKOFF_NANOS;
                return false;
            }
            LockSupport.parkNanos(DRAIN_CHECK_NANOS);
        }
        return true;
    }

    /** How many lanes a function of this max concurrency gets. */
    static int laneCount(int maxConcurrency) {
        return (int) Math.min(MAX_LANES, Math.max(maxConcurrency, (long) maxConcurrency * LANES_PER_CALL));
    }

    /**
     * Hands each lane its records of the chunk, in offset order, the lanes in the order of their first record, so
     * that they start roughly in offset order. Sorting (lane, index) pairs packed in longs does it without a map, a
     * boxed lane or a list per lane: in KEY order most records of a chunk have a lane of their own.
     */
    private void splitByKey(Chunk chunk, AtomicInteger inLanes) {
        List<ConsumerRecord<byte[], byte[]>> records = chunk.records();
        int count = records.size();
        long[] byLane = new long[count];
        for (int i = 0; i < count; i++) {
            byLane[i] = (long) laneOf(records.get(i)) << 32 | i; // a lane is never negative
        }
        Arrays.sort(byLane);
        // Each lane's run of byLane starts where the lane changes; runs[r] is the run's first record's index, then r.
        int[] runStarts = new int[count + 1];
        long[] runs = new long[count];
        int runCount = 0;
        for (int i = 0; i < count; i++) {
            if (i == 0 || byLane[i] >>> 32 != byLane[i - 1] >>> 32) {
                runStarts[runCount] = i;
                runs[runCount] = (byLane[i] & 0xFFFF_FFFFL) << 32 | runCount;
                runCount++;
            }
        }
        runStarts[runCount] = count;
        Arrays.sort(runs, 0, runCount);
        for (int r = 0; r < runCount; r++) {
            int run = (int) runs[r];
            int start = runStarts[run];
            int end = runStarts[run + 1];
            List<ConsumerRecord<byte[], byte[]>> slice;
            if (end - start == 1) {
                slice = List.of(records.get((int) byLane[start]));
            } else {
                slice = new ArrayList<>(end - start);
                for (int i = start; i < end; i++) {
                    slice.add(records.get((int) byLane[i]));
                }
            }
            submit((int) (byLane[start] >>> 32), chunk, slice, inLanes);
        }
    }

    private void splitInSlices(Chunk chunk, AtomicInteger inLanes) {
        List<ConsumerRecord<byte[], byte[]>> records = chunk.records();
        int count = Math.max(1, Math.min(maxConcurrency, records.size() / MIN_UNORDERED_SLICE));
        int size = (records.size() + count - 1) / count;
        for (int from = 0; from < records.size(); from += size) {
            submit(nextUnorderedLane, chunk, records.subList(from, Math.min(records.size(), from + size)), inLanes);
            nextUnorderedLane = (nextUnorderedLane + 1) % lanes.size();
        }
    }

    private void submit(int index, Chunk chunk, List<ConsumerRecord<byte[], byte[]>> records, AtomicInteger inLanes) {
        chunk.retain();
        inLanes.incrementAndGet();
        LaneRunner lane = lanes.get(index);
        lane.submit(() -> {
            try {
                lane.run(chunk, records, inLanes);
            } finally {
                inLanes.decrementAndGet();
            }
        });
    }

    /**
     * The lane of a record's key. The key's murmur2 hash is the one Kafka partitions by, so it is mixed again:
     * otherwise the keys of one partition would crowd into the lanes congruent to that partition. A record
     * without a key goes to its partition's lane, which keeps the order of such records.
     */
    int laneOf(ConsumerRecord<byte[], byte[]> record) {
        int hash = record.key() == null ? record.partition()
                : Integer.rotateLeft(Utils.murmur2(record.key()) * 0x9E3779B9, 16);
        return Math.floorMod(hash, lanes.size());
    }
}
