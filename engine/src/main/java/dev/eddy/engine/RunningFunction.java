package dev.eddy.engine;

import dev.eddy.engine.internal.dispatch.FunctionMetrics;
import dev.eddy.engine.internal.dispatch.FunctionWorker;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A function deployed on this engine: its state, its counts, and the means to stop it.
 *
 * <p>Threading: every method may be called from any thread.
 */
public final class RunningFunction implements AutoCloseable {

    private final FunctionDefinition definition;
    private final FunctionWorker worker;
    private final FunctionMetrics metrics;
    private final Thread pollThread;
    private final java.time.Instant deployedAt = java.time.Instant.now();

    RunningFunction(FunctionDefinition definition, FunctionWorker worker, FunctionMetrics metrics) {
        this.definition = definition;
        this.worker = worker;
        this.metrics = metrics;
        this.pollThread = Thread.ofPlatform().name("eddy-poll-" + definition.name()).unstarted(worker);
    }

    void start() {
        pollThread.start();
    }

    public String name() {
        return definition.name();
    }

    public FunctionDefinition definition() {
        return definition;
    }

    public FunctionState state() {
        return worker.state();
    }

    /** How many input partitions this engine handles for the function now (zero until it joined its group). */
    /** Records completed per second over about the last minute (0 until it has run two seconds). */
    public double throughput() {
        return worker.throughput();
    }

    public int assignedPartitions() {
        return worker.assignedPartitions();
    }

    /** Why the function stopped by itself, if it did. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(worker.failure());
    }

    /** The function's counts; cheap enough to read often. */
    /** What the function used on this engine since it was deployed (usage metering). */
    public FunctionMetrics.Usage usage() {
        return metrics.usage();
    }

    /** When it was deployed on this engine. */
    public java.time.Instant deployedAt() {
        return deployedAt;
    }

    public FunctionStats stats() {
        return new FunctionStats(metrics.received(), metrics.succeeded(), metrics.failed(), metrics.emitted(),
                metrics.retries(), metrics.deadLettered(), metrics.partitionsRevoked(),
                metrics.state.replaysSkipped(), metrics.state.expired());
    }

    /**
     * The handler time at a percentile (0.5 or 0.99) over the last few seconds, in milliseconds; NaN before any
     * call, or for another percentile.
     */
    public double handlerMillisAt(double percentile) {
        return metrics.handlerMillisAt(percentile);
    }

    /** Starts stopping: no new records are taken; those in flight complete and are committed. Returns at once. */
    public void stop() {
        worker.close();
    }

    /**
     * Waits until the function has stopped.
     *
     * @return false when it had not stopped within the timeout
     */
    public boolean awaitStopped(Duration timeout) {
        try {
            worker.stopped().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("the stop signal never fails", e);
        }
    }

    /** Stops the function and waits for it, at most a little longer than the shutdown timeout. */
    @Override
    public void close() {
        stop();
        awaitStopped(Duration.ofMinutes(10));
    }
}
