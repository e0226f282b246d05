package dev.eddy.engine;

import dev.eddy.engine.internal.dispatch.FunctionMetrics;
import dev.eddy.engine.internal.dispatch.FunctionWorker;
import dev.eddy.engine.scaling.ScalingController;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A function deployed on this engine: its state, its counts, and the means to stop it. It runs one worker (a
 * consumer in the function's group, a producer, a poll loop and the handler's lanes) at a time; a function that
 * scales to zero lets its worker go when idle and gets a new one when the engine's watcher sees a record arrive.
 *
 * <p>Threading: every method may be called from any thread.
 */
public final class RunningFunction implements AutoCloseable {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RunningFunction.class);
    /** How long a lower count must be asked for before the desired workers fall. */
    static final Duration SCALING_COOLDOWN = Duration.ofSeconds(30);

    private final FunctionDefinition definition;
    private final Supplier<FunctionWorker> workers;
    private final FunctionMetrics metrics;
    private final Runnable closeHandler;
    private final Instant deployedAt = Instant.now();
    /** Told when the worker let go because the function was idle: the engine's watcher takes it from there. */
    private volatile Consumer<RunningFunction> onIdle = function -> { };
    private volatile FunctionWorker worker;
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicBoolean handlerClosed =
            new java.util.concurrent.atomic.AtomicBoolean();
    private final ScalingController scaling;

    /**
     * @param first        the first worker, made at the deploy (so that what cannot be made fails the deploy); null
     *                     for a function that starts at zero
     * @param workers      makes a worker (its consumer and producer) at every wake-up
     * @param closeHandler closes the handler, once the function stops for good
     */
    RunningFunction(FunctionDefinition definition, FunctionWorker first, Supplier<FunctionWorker> workers,
            FunctionMetrics metrics, Runnable closeHandler) {
        this.definition = definition;
        this.worker = first;
        this.workers = workers;
        this.metrics = metrics;
        this.closeHandler = closeHandler;
        this.scaling = new ScalingController(definition.scalingMin(), definition.scalingMax(),
                definition.maxConcurrency(), SCALING_COOLDOWN.toNanos());
    }

    /**
     * Takes the function's figures of this second into its scaling controller, and exports what it asks for (the
     * {@code eddy.desired.workers} gauge). Called once a second by the engine.
     */
    void tickScaling() {
        ScalingController.Decision before = scaling.current();
        ScalingController.Decision now = scaling.update(new ScalingController.Sample(System.nanoTime(),
                metrics.received(), metrics.lag(), metrics.handlerMillisAt(0.5) / 1000, metrics.running()));
        metrics.desiredWorkers(now.workers());
        if (now.workers() != before.workers()) {
            log.info("Function '{}' asks for {} workers: {}", definition.name(), now.workers(), now.reason());
        }
    }

    /** What the function's scaling controller asks for now, and why. */
    public ScalingController.Decision scaling() {
        return scaling.current();
    }

    /** Who is told when the function scales to zero. */
    void onIdle(Consumer<RunningFunction> onIdle) {
        this.onIdle = onIdle;
    }

    synchronized void start() {
        if (worker == null) {
            metrics.idle(true); // at zero from the start: the watcher wakes it when records wait
            onIdle.accept(this);
        } else {
            run(worker);
        }
    }

    private void run(FunctionWorker next) {
        worker = next;
        metrics.idle(false);
        next.stopped().thenRun(() -> workerStopped(next));
        Thread.ofPlatform().name("eddy-poll-" + definition.name()).start(next);
    }

    /**
     * Where the last worker was in its partitions when it let go (the function is at zero); null when it has had
     * no worker yet.
     */
    java.util.Map<org.apache.kafka.common.TopicPartition, Long> idlePositions() {
        FunctionWorker current = worker;
        return current == null ? null : current.idlePositions();
    }

    /** A worker that let go because it was idle leaves the handler open: for the next worker, or to close here. */
    private void workerStopped(FunctionWorker stopped) {
        if (!stopped.idled()) {
            return; // it closed the handler itself
        }
        if (closed) {
            closeHandlerOnce();
        } else {
            metrics.idle(true);
            onIdle.accept(this);
        }
    }

    private void closeHandlerOnce() {
        if (handlerClosed.compareAndSet(false, true)) {
            closeHandler.run();
        }
    }

    /**
     * Starts a worker again for a function at zero (a record arrived); does nothing when it runs or is closed.
     *
     * @return whether it woke
     */
    public synchronized boolean wake() {
        if (closed || !isIdle()) {
            return false;
        }
        FunctionWorker next = workers.get();
        next.coldStart();
        run(next);
        return true;
    }

    /** Whether the function is scaled to zero now. */
    public boolean isIdle() {
        FunctionWorker current = worker;
        return current == null || current.idled() && current.stopped().isDone();
    }

    public String name() {
        return definition.name();
    }

    public FunctionDefinition definition() {
        return definition;
    }

    public FunctionState state() {
        FunctionWorker current = worker;
        if (current == null) {
            return closed ? FunctionState.STOPPED : FunctionState.IDLE;
        }
        return isIdle() && !closed ? FunctionState.IDLE : current.state();
    }

    /** Records completed per second over about the last minute (0 until it has run two seconds). */
    public double throughput() {
        FunctionWorker current = worker;
        return current == null ? 0 : current.throughput();
    }

    /** How many input partitions this engine handles for the function now (zero until it joined its group). */
    public int assignedPartitions() {
        FunctionWorker current = worker;
        return current == null ? 0 : current.assignedPartitions();
    }

    /** Why the function stopped by itself, if it did. */
    public Optional<Throwable> failure() {
        FunctionWorker current = worker;
        return current == null ? Optional.empty() : Optional.ofNullable(current.failure());
    }

    /** What the function used on this engine since it was deployed (usage metering). */
    public FunctionMetrics.Usage usage() {
        return metrics.usage();
    }

    /** When it was deployed on this engine. */
    public Instant deployedAt() {
        return deployedAt;
    }

    /** Times a record woke the function from zero on this engine. */
    public long coldStarts() {
        return metrics.coldStarts();
    }

    /** The function's counts; cheap enough to read often. */
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
    public synchronized void stop() {
        if (closed) {
            return;
        }
        closed = true;
        FunctionWorker current = worker;
        metrics.idle(false);
        if (current == null) {
            closeHandlerOnce(); // never had a worker
            return;
        }
        current.close();
        if (current.idled() && current.stopped().isDone()) {
            closeHandlerOnce(); // at zero: no worker will close it (one still letting go does, in workerStopped)
        }
    }

    /**
     * Waits until the function has stopped.
     *
     * @return false when it had not stopped within the timeout
     */
    public boolean awaitStopped(Duration timeout) {
        FunctionWorker current = worker;
        if (current == null) {
            return closed;
        }
        try {
            current.stopped().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
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
