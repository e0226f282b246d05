package dev.eddy.engine.internal.dispatch;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The records of one partition from one poll: the unit the ledger commits. It is complete when every record is
 * done (its handler call succeeded and Kafka acknowledged its emits, or it is in the dead-letter topic); only then
 * may its offsets be committed. Whoever still has work for it holds it with {@link #retain} and lets go with
 * {@link #release}: the pass over its records, each emit, each record waiting for a retry, each dead letter.
 *
 * <p>A record that waits (for a retry, or behind one) is <em>parked</em>: it holds the chunk but does nothing. A chunk
 * held only by parked records is {@link #quiescent}, and its offsets not complete are known: an exactly-once
 * commit may then pass over it, naming them (see {@link CommitPoint}).
 *
 * <p>Threading: created by the poll loop; held and released from lane threads and the producer's thread. The poll
 * loop reads {@link #isDone}, {@link #failure}, {@link #hasDropped}, {@link #quiescent} and
 * {@link #incompleteOffsets}.
 */
final class Chunk {

    private final TopicPartition partition;
    private final List<ConsumerRecord<byte[], byte[]>> records;
    private final long firstOffset;
    private final long nextOffset;
    /** Holds by parked records: waiting, not running. */
    private final AtomicInteger parked = new AtomicInteger();
    /** Offsets of records parked, or let go undone, and not completed since; usually none (made at the first). */
    private Set<Long> incomplete;
    /** One for the pass over the records, one per emit, waiting record or dead letter not yet done. */
    private final AtomicInteger pending = new AtomicInteger(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final CompletableFuture<Void> completion = new CompletableFuture<>();
    private final Listener listener;
    private volatile boolean abandoned;
    private volatile boolean dropped;

    /** Told when a chunk is complete, on whichever thread completed it. */
    interface Listener {
        void completed(Chunk chunk);
    }

    Chunk(TopicPartition partition, List<ConsumerRecord<byte[], byte[]>> records, Listener listener) {
        this(partition, records, records.get(0).offset(), records.get(records.size() - 1).offset() + 1, listener);
    }

    /**
     * A chunk that covers the offsets {@code firstOffset} (inclusive) to {@code nextOffset} (exclusive), of which
     * only {@code records} are to be handled (the others were done before a restart, as the last commit says).
     */
    Chunk(TopicPartition partition, List<ConsumerRecord<byte[], byte[]>> records, long firstOffset, long nextOffset,
            Listener listener) {
        this.partition = partition;
        this.records = records;
        this.firstOffset = firstOffset;
        this.nextOffset = nextOffset;
        this.listener = listener;
    }

    TopicPartition partition() {
        return partition;
    }

    List<ConsumerRecord<byte[], byte[]>> records() {
        return records;
    }

    int size() {
        return records.size();
    }

    /** The offset of the chunk's first record. */
    long firstOffset() {
        return firstOffset;
    }

    /** The offset to commit once this chunk and every chunk before it are complete. */
    long nextOffset() {
        return nextOffset;
    }

    void retain() {
        pending.incrementAndGet();
    }

    void release() {
        // complete() is true only the first time: an emit after completion (a handler that kept its context past
        // the call) must not count the chunk twice.
        if (pending.decrementAndGet() == 0 && completion.complete(null)) {
            listener.completed(this);
        }
    }

    /** A record of this chunk, already holding it, waits (for a retry, or behind one). */
    void park(long offset) {
        synchronized (this) {
            if (incomplete == null) {
                incomplete = new HashSet<>();
            }
            incomplete.add(offset);
        }
        parked.incrementAndGet();
    }

    /** A parked record runs again, or is let go undone (its offset stays incomplete); it still holds the chunk. */
    void unpark() {
        parked.decrementAndGet();
    }

    /** A record that was parked is complete (succeeded, or in the dead-letter topic). */
    synchronized void completed(long offset) {
        if (incomplete != null) {
            incomplete.remove(offset);
        }
    }

    /** Whether only parked records hold the chunk: nothing of it runs, and nothing it sent is unanswered. */
    boolean quiescent() {
        int holds = pending.get();
        return holds == parked.get() && holds == pending.get();
    }

    /** Adds the offsets of this chunk's records that are not complete (parked, or let go undone). */
    synchronized void incompleteOffsets(Collection<Long> into) {
        if (incomplete != null) {
            into.addAll(incomplete);
        }
    }

    /** Records why this chunk must not be committed and the function must stop; the first reason wins. */
    void fail(Throwable reason) {
        failure.compareAndSet(null, reason);
    }

    /** Marks the chunk's partition as taken away: its records waiting for a retry are let go, not retried. */
    void abandon() {
        abandoned = true;
    }

    boolean isAbandoned() {
        return abandoned;
    }

    /** Notes that a record of this abandoned chunk was let go undone: nothing from here on may be committed. */
    void dropped() {
        dropped = true;
    }

    boolean hasDropped() {
        return dropped;
    }

    boolean isDone() {
        return completion.isDone();
    }

    /** Completes normally when the chunk is done, whether it failed or not. */
    CompletableFuture<Void> completion() {
        return completion;
    }

    /** Why the chunk must not be committed, or null. Read it once {@link #isDone}. */
    Throwable failure() {
        return failure.get();
    }
}
