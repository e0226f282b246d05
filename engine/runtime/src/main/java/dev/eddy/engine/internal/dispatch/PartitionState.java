package dev.eddy.engine.internal.dispatch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The dispatcher's ledger for one assigned partition: the chunks handed out, in offset order, and the position up
 * to which every record is complete. The committable position is the next offset after the last complete chunk
 * whose predecessors are all complete, so a record that finished early is never committed past one that has not.
 *
 * <p>Threading: owned by the poll loop; only its chunks' completion, {@link #inLanes} and
 * {@link #drainWaitAllowedAt} are written by other threads.
 */
final class PartitionState {

    final TopicPartition partition;
    /** Runs the partition's chunks in order, or splits them over the key lanes. */
    final LaneRunner runner;
    /** How much of the partition's work is in the key lanes (slices, and records waiting there for a retry). */
    final AtomicInteger inLanes = new AtomicInteger();
    /** When the partition's lane may next wait for its records in the key lanes (see KeyLanes); its lane only. */
    long drainWaitAllowedAt;
    private final ArrayDeque<Chunk> inFlight = new ArrayDeque<>();
    private int buffered;
    private long position = -1;
    private boolean dirty;
    private boolean paused;
    private Throwable failure;
    /**
     * Where the last commit left the partition; before any, where the first chunk since the assignment began (the
     * committed position, or the first record after it), which is where an abort rewinds to. -1 until known.
     */
    private long lastCommitted = -1;
    /**
     * Exactly-once: what the last commit (or, before any, the commit found at the assignment) says of the records
     * past it; null when nothing is known.
     */
    private CommitPoint committedPoint;

    /** @param now the ticker's time now */
    PartitionState(TopicPartition partition, LaneRunner runner, long now) {
        this.partition = partition;
        this.drainWaitAllowedAt = now;
        this.runner = runner;
    }

    void add(Chunk chunk) {
        if (lastCommitted < 0) {
            // Not asked of the consumer when the partition is assigned: inside the rebalance callback a position
            // lookup can wait out its timeout (seen with a frozen former owner) and fail the assignment.
            lastCommitted = chunk.firstOffset();
        }
        inFlight.add(chunk);
        buffered += chunk.size();
    }

    /**
     * Moves the position past every complete chunk at the head of the ledger, stopping at the first failed one,
     * which stays in place so that nothing after it is committed, and at the first one with records let go undone
     * (its partition was taken away: they will be delivered again).
     *
     * @return how many records the position moved past
     */
    int advance() {
        int passed = 0;
        Chunk head;
        while (failure == null && (head = inFlight.peek()) != null && head.isDone()) {
            if (head.failure() != null) {
                failure = head.failure();
                break;
            }
            if (head.hasDropped()) {
                break;
            }
            inFlight.poll();
            buffered -= head.size();
            position = head.nextOffset();
            dirty = true;
            passed += head.size();
        }
        return passed;
    }

    /**
     * Records handed out and not complete: what the per-partition bound counts (a record waiting for a retry does
     * not make the partition's records behind it count once they are complete). Counted on demand, by the
     * backpressure, not on every turn of the poll loop.
     */
    int incomplete() {
        int done = 0;
        for (Chunk chunk : inFlight) {
            if (chunk.isDone()) {
                done += chunk.size();
            }
        }
        return buffered - done;
    }

    /**
     * Exactly-once: whether a transaction may be committed now, as far as this partition goes: every chunk is
     * complete, or held only by records that wait (and the commit can name them, see {@link CommitPoint}).
     */
    boolean quiescent() {
        boolean waiting = false;
        for (Chunk chunk : inFlight) {
            if (!chunk.isDone()) {
                if (!chunk.quiescent()) {
                    return false;
                }
                waiting = true;
            }
        }
        if (!waiting) {
            return true;
        }
        CommitPoint point = commitPoint();
        return point == null || point.fits();
    }

    /**
     * Exactly-once, when {@link #quiescent}: where a transaction commits this partition now; null when nothing
     * moved since the last commit. With records waiting, it is the first of them, and names those past it that are
     * not complete.
     */
    CommitPoint commitPoint() {
        java.util.TreeSet<Long> incomplete = new java.util.TreeSet<>();
        for (Chunk chunk : inFlight) {
            chunk.incompleteOffsets(incomplete);
        }
        if (incomplete.isEmpty() || inFlight.isEmpty()) {
            return dirty ? CommitPoint.plain(position) : null;
        }
        return new CommitPoint(incomplete.first(), inFlight.peekLast().nextOffset(), incomplete);
    }

    /**
     * A poll's records of this partition as a chunk; exactly-once, after a commit that passed records waiting for a
     * retry, those done in that commit are left out (see {@link CommitPoint}).
     */
    Chunk chunkOf(List<ConsumerRecord<byte[], byte[]>> polled, Chunk.Listener listener) {
        if (committedPoint == null || !committedPoint.hasDoneRecords()) {
            return new Chunk(partition, polled, listener);
        }
        List<ConsumerRecord<byte[], byte[]>> todo = new ArrayList<>(polled.size());
        for (ConsumerRecord<byte[], byte[]> record : polled) {
            if (!committedPoint.done(record.offset())) {
                todo.add(record);
            }
        }
        return new Chunk(partition, todo, polled.get(0).offset(), polled.get(polled.size() - 1).offset() + 1,
                listener);
    }

    /** Whether a chunk at the head had records let go undone, so that the ledger cannot advance past it. */
    boolean stuckOnDropped() {
        Chunk head = inFlight.peek();
        return head != null && head.isDone() && head.hasDropped();
    }

    long lastCommitted() {
        return lastCommitted;
    }

    void markCommitted(long offset) {
        lastCommitted = offset;
    }

    /** Exactly-once: the partition is committed at this point (or was, as found at the assignment). */
    void markCommitted(CommitPoint point) {
        lastCommitted = point.offset();
        committedPoint = point;
    }

    /**
     * Forgets everything handed out since the last commit, whose effects were aborted: the records will be fetched
     * again from {@link #lastCommitted()}. Every chunk must be done.
     */
    void rewind() {
        inFlight.clear();
        buffered = 0;
        position = lastCommitted;
        dirty = false;
        paused = false;
    }

    /** Marks every chunk in flight abandoned: the partition is being let go. */
    void abandon() {
        inFlight.forEach(Chunk::abandon);
    }

    /** Completes when every chunk handed out so far is complete. */
    CompletableFuture<Void> drained() {
        return CompletableFuture.allOf(inFlight.stream().map(Chunk::completion).toArray(CompletableFuture[]::new));
    }

    /** Records handed out and not yet complete. */
    int buffered() {
        return buffered;
    }

    boolean isEmpty() {
        return inFlight.isEmpty();
    }

    /** The next offset to commit, or -1 when nothing has completed since the partition was assigned. */
    long position() {
        return position;
    }

    boolean dirty() {
        return dirty;
    }

    void markDirty(boolean value) {
        dirty = value;
    }

    boolean paused() {
        return paused;
    }

    void markPaused(boolean value) {
        paused = value;
    }

    /** Why this partition cannot advance, or null. */
    Throwable failure() {
        return failure;
    }
}
