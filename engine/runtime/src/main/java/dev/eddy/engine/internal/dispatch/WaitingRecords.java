package dev.eddy.engine.internal.dispatch;

import dev.eddy.engine.Ordering;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The records of one lane that wait: a record whose call failed, until its next attempt, and the records that
 * must stay behind it, by what they wait on — the same key in {@link Ordering#KEY} order, the same partition in
 * {@link Ordering#PARTITION} order, nothing in {@link Ordering#UNORDERED}. A waiting record holds its chunk (so no
 * offset past it is committed) and its partition's place in the key lanes, until it is {@link Waiting#done}; it is
 * parked in its chunk (see {@link Chunk#park}) while it does not run.
 *
 * <p>Threading: the lane's tasks only; usually empty.
 */
final class WaitingRecords {

    private final Ordering ordering;
    private final Map<Object, Deque<Waiting>> queues = new HashMap<>();

    WaitingRecords(Ordering ordering) {
        this.ordering = ordering;
    }

    /**
     * A record waiting for its next attempt, or behind the record of its key that failed.
     *
     * @param attempts null until the record has been tried and failed
     * @param inLanes  its partition's count of work in the key lanes, or null on a partition's own lane
     */
    record Waiting(Chunk chunk, ConsumerRecord<byte[], byte[]> record, Attempts attempts, AtomicInteger inLanes) {

        Waiting failedOnce() {
            return attempts != null ? this : new Waiting(chunk, record, new Attempts(), inLanes);
        }

        /** The record now holds its chunk and its partition's place in the key lanes. */
        Waiting hold() {
            chunk.retain();
            if (inLanes != null) {
                inLanes.incrementAndGet();
            }
            return this;
        }

        /** A parked record is let go undone (its partition was taken away): it will be delivered again. */
        void letGo() {
            chunk.unpark();
            chunk.dropped();
            done();
        }

        /** A parked record is complete (succeeded, or dead-lettered): it no longer holds its chunk or its lane. */
        void completed() {
            chunk.completed(record.offset());
            done();
        }

        /** The record is done (succeeded, dead-lettered or let go): it no longer holds its chunk or its lane. */
        void done() {
            if (inLanes != null) {
                inLanes.decrementAndGet();
            }
            chunk.release();
        }
    }

    boolean isEmpty() {
        return queues.isEmpty();
    }

    /**
     * Puts the record behind the failed one it must wait for, if there is one (or, its partition taken away, lets
     * it go undone).
     *
     * @return whether the record waits (or was let go): false when it may run now
     */
    boolean queueBehind(Chunk chunk, ConsumerRecord<byte[], byte[]> record, AtomicInteger inLanes) {
        if (queues.isEmpty()) {
            return false;
        }
        Deque<Waiting> queue = queues.get(keyOf(record));
        if (queue == null) {
            return false;
        }
        if (chunk.isAbandoned()) {
            chunk.dropped();
        } else {
            queue.add(new Waiting(chunk, record, null, inLanes).hold());
            chunk.park(record.offset());
        }
        return true;
    }

    /** A record whose call failed, already holding its chunk, waits for its next attempt; what follows waits too. */
    void park(Waiting failed) {
        queues.computeIfAbsent(keyOf(failed.record()), key -> new ArrayDeque<>()).add(failed);
        failed.chunk().park(failed.record().offset());
    }

    /** The records waiting on a key, head first; null when none (let go meanwhile). */
    Deque<Waiting> queue(Object key) {
        return queues.get(key);
    }

    /** Nothing waits on the key any more. */
    void release(Object key) {
        queues.remove(key);
    }

    /** Lets go of the waiting records whose partitions were taken away; they will be delivered again. */
    void purgeAbandoned() {
        Iterator<Map.Entry<Object, Deque<Waiting>>> entries = queues.entrySet().iterator();
        while (entries.hasNext()) {
            Deque<Waiting> queue = entries.next().getValue();
            queue.removeIf(waiting -> {
                if (waiting.chunk().isAbandoned()) {
                    waiting.letGo();
                    return true;
                }
                return false;
            });
            if (queue.isEmpty()) {
                entries.remove();
            }
        }
    }

    /** What a record waits on when a record ahead of it failed. */
    Object keyOf(ConsumerRecord<byte[], byte[]> record) {
        return switch (ordering) {
            case PARTITION -> new TopicPartition(record.topic(), record.partition());
            case UNORDERED -> record; // only itself: nothing else waits
            case KEY -> record.key() == null ? new TopicPartition(record.topic(), record.partition())
                    : new KeyBytes(record.key());
        };
    }

    /** A record key compared by content. */
    private record KeyBytes(byte[] bytes) {
        @Override
        public boolean equals(Object other) {
            return other instanceof KeyBytes that && Arrays.equals(bytes, that.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }
}
