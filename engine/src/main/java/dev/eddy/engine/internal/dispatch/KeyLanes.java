package dev.eddy.engine.internal.dispatch;

import dev.eddy.engine.Ordering;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.utils.Utils;

/**
 * A fixed table of serial lanes that run a function's records concurrently: in {@link Ordering#KEY} order a key
 * always hashes to the same lane, so its records run one after the other and in order, while other keys run on
 * the other lanes, also within one partition; in {@link Ordering#UNORDERED} order a chunk is spread over the lanes
 * in contiguous slices. The lane count is the function's max concurrency, and the table is all the per-key state
 * there is: no key is remembered once its records are done.
 *
 * <p>Handing a slice to a lane costs a few microseconds, far more than a fast handler's call; concurrency only pays
 * when calls wait (on I/O, most often). So while the function's calls are fast and none of a partition's records
 * are in the lanes, {@link #split} runs the partition's chunk right where it is, on the partition's own lane, in
 * order: the partitions still run concurrently, and the order of every key is kept, since a key's records all
 * come from one partition and none of that partition's records are anywhere else.
 *
 * <p>Threading: {@link #split} runs on the partition's own lane, so the chunks of a partition are split in offset
 * order and each lane receives its records in order. Lanes run on threads taken from the executor as needed.
 */
final class KeyLanes {

    /** Slices of fewer records than this are not worth a lane of their own in UNORDERED order. */
    private static final int MIN_UNORDERED_SLICE = 8;

    private final List<SerialLane<Slice>> lanes;
    private final Ordering ordering;
    private final Invoker invoker;
    private int nextUnorderedLane;

    /** The records of a chunk that one lane runs, and the count of its partition's slices in the lanes. */
    record Slice(Chunk chunk, List<ConsumerRecord<byte[], byte[]>> records, AtomicInteger inLanes) {
    }

    KeyLanes(int count, Ordering ordering, Executor executor, Invoker invoker) {
        if (ordering == Ordering.PARTITION) {
            throw new IllegalArgumentException("PARTITION order runs on the partitions' own lanes");
        }
        this.ordering = ordering;
        this.invoker = invoker;
        this.lanes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            lanes.add(new SerialLane<>(executor, this::run));
        }
    }

    private void run(Slice slice) {
        try {
            invoker.run(slice.chunk(), slice.records());
        } finally {
            slice.inLanes().decrementAndGet();
        }
    }

    /**
     * Runs the chunk in place, or hands its records to their lanes; the chunk stays pending until every record
     * has run.
     *
     * @param inLanes how many slices of the chunk's partition are in the lanes now
     */
    void split(Chunk chunk, AtomicInteger inLanes) {
        if (inLanes.get() == 0 && invoker.callsAreFast()) {
            invoker.run(chunk, chunk.records());
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

    private void splitByKey(Chunk chunk, AtomicInteger inLanes) {
        @SuppressWarnings("unchecked")
        List<ConsumerRecord<byte[], byte[]>>[] slices = new List[lanes.size()];
        for (ConsumerRecord<byte[], byte[]> record : chunk.records()) {
            int lane = laneOf(record);
            List<ConsumerRecord<byte[], byte[]>> slice = slices[lane];
            if (slice == null) {
                slice = new ArrayList<>();
                slices[lane] = slice;
            }
            slice.add(record);
        }
        for (int lane = 0; lane < slices.length; lane++) {
            if (slices[lane] != null) {
                submit(lane, chunk, slices[lane], inLanes);
            }
        }
    }

    private void splitInSlices(Chunk chunk, AtomicInteger inLanes) {
        List<ConsumerRecord<byte[], byte[]>> records = chunk.records();
        int count = Math.max(1, Math.min(lanes.size(), records.size() / MIN_UNORDERED_SLICE));
        int size = (records.size() + count - 1) / count;
        for (int from = 0; from < records.size(); from += size) {
            submit(nextUnorderedLane, chunk, records.subList(from, Math.min(records.size(), from + size)), inLanes);
            nextUnorderedLane = (nextUnorderedLane + 1) % lanes.size();
        }
    }

    private void submit(int lane, Chunk chunk, List<ConsumerRecord<byte[], byte[]>> records, AtomicInteger inLanes) {
        chunk.retain();
        inLanes.incrementAndGet();
        lanes.get(lane).submit(new Slice(chunk, records, inLanes));
    }

    /**
     * The lane of a record's key. The key's murmur2 hash is the one Kafka partitions by, so it is mixed again:
     * otherwise the keys of one partition would crowd into the lanes congruent to that partition. A record
     * without a key goes to its partition's lane, which keeps the order of such records.
     */
    int laneOf(ConsumerRecord<byte[], byte[]> record) {
        int hash = record.key() == null ? record.partition() : Integer.rotateLeft(Utils.murmur2(record.key()) * 0x9E3779B9, 16);
        return Math.floorMod(hash, lanes.size());
    }
}
