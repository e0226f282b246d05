package dev.eddy.engine.internal.dispatch;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The records of one partition from one poll, handled in order as one unit of work. It is complete when the
 * handler has seen every record and Kafka has acknowledged (or rejected) everything the handler emitted; only then
 * may its offsets be committed.
 *
 * <p>Threading: created by the poll loop; run on a virtual thread; its emits are acknowledged on the producer's
 * I/O thread, through {@link #onCompletion}. The poll loop reads {@link #isDone} and {@link #failure}.
 */
final class Chunk implements Callback {

    private final TopicPartition partition;
    private final List<ConsumerRecord<byte[], byte[]>> records;
    /** One for the handler's pass over the records, one per emit not yet acknowledged. */
    private final AtomicInteger pending = new AtomicInteger(1);
    private final AtomicInteger acknowledgedEmits = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final CompletableFuture<Void> completion = new CompletableFuture<>();

    Chunk(TopicPartition partition, List<ConsumerRecord<byte[], byte[]>> records) {
        this.partition = partition;
        this.records = records;
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

    /** The offset to commit once this chunk and every chunk before it are complete. */
    long nextOffset() {
        return records.get(records.size() - 1).offset() + 1;
    }

    /** Called before each emit is sent. */
    void retain() {
        pending.incrementAndGet();
    }

    /** Called when the handler's pass is over, and once per emit when Kafka answered. */
    void release() {
        if (pending.decrementAndGet() == 0) {
            completion.complete(null);
        }
    }

    /** Records why this chunk must not be committed; the first reason wins. */
    void fail(Throwable reason) {
        failure.compareAndSet(null, reason);
    }

    @Override
    public void onCompletion(RecordMetadata metadata, Exception exception) {
        if (exception != null) {
            fail(exception);
        } else {
            acknowledgedEmits.incrementAndGet();
        }
        release();
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

    int acknowledgedEmits() {
        return acknowledgedEmits.get();
    }
}
