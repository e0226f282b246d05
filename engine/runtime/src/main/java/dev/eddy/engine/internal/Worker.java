package dev.eddy.engine.internal;

import dev.eddy.engine.FunctionState;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.TopicPartition;

/**
 * One of a function's workers on this engine, as its {@code RunningFunction} runs, scales and stops them: a member
 * of the function's consumer group with its own Kafka clients, run on a thread of its own ({@link #run}) until
 * asked to close, or until it fails or lets go because the function is idle. A handler function's worker is the
 * dispatcher's {@code FunctionWorker}; a windowed function's is a Kafka Streams instance.
 */
public interface Worker extends Runnable {

    /** Asks the worker to stop; returns at once. {@link #stopped} completes when it has. */
    void close();

    /** Completes when the worker has stopped and its clients are closed. */
    CompletableFuture<Void> stopped();

    FunctionState state();

    /** Why the worker stopped by itself, or null. */
    Throwable failure();

    /** Records completed per second over about the last minute. */
    double throughput();

    /** Records completed since it started. */
    long completed();

    /** How many partitions the worker owns now, its replay topic's included (what scaling counts). */
    int assignedPartitions();

    /** How many partitions of the function's inputs the worker owns now: without the replay topic's. */
    default int inputPartitions() {
        return assignedPartitions();
    }

    /**
     * Lets the worker go when idle only while this holds (a function with several workers sheds the others first,
     * through its scaling controller, and goes to zero with its last).
     */
    void idleOnlyWhen(BooleanSupplier condition);

    /** The worker is started to handle records that arrived while its function was at zero. */
    void coldStart();

    /** Whether the worker stopped because its function was idle (scaled to zero), not because it was asked to. */
    boolean idled();

    /**
     * Where the worker was in each of its input partitions when it let go because it was idle: a record past one
     * of these is one it has not seen.
     */
    Map<TopicPartition, Long> idlePositions();
}
