package dev.eddy.engine.internal.dispatch;

import io.micrometer.core.instrument.Counter;
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
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final CompletableFuture<Void> completion = new CompletableFuture<>();
    private final Counter emits;
    private final Listener listener;

    /** Told when a chunk is complete, on whichever thread completed it. */
    interface Listener {
        void completed(Chunk chunk);
    }

    /** @param emits counts the emits Kafka acknowledged, as they are acknowledged */
    Chunk(TopicPartition partition, List<ConsumerRecord<byte[], byte[]>> records, Counter emits, Listener listener) {
        this.partition = partition;
        this.records = records;
        this.emits = emits;
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
        // complete() is true only the first time: an emit after completion (a handler that kept its context past
        // the call) must not count the chunk twice.
        if (pending.decrementAndGet() == 0 && completion.complete(null)) {
            listener.completed(this);
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
            emits.increment();
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
}
