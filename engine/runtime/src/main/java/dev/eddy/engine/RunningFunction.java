package dev.eddy.engine;

import dev.eddy.engine.internal.dispatch.FunctionMetrics;
import dev.eddy.engine.internal.Worker;
import dev.eddy.engine.scaling.ClusterScaling;
import dev.eddy.engine.scaling.ScalingController;
import dev.eddy.engine.telemetry.ScalingEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import org.apache.kafka.common.TopicPartition;

/**
 * A function deployed on this engine: its workers, its counts, its scaling, and the means to stop it. Each worker
 * is a consumer in the function's group with its own producer, poll loop and lanes; the function runs as many as
 * its scaling controller asks for (within {@code scaling.min}..{@code scaling.max} and its input partitions), one
 * at least while it runs; where several engines run it, its share of the count decided for all of them
 * ({@link ClusterScaling}). A function that scales to zero lets its last worker go when idle and gets a new one when
 * the engine's watcher sees a record arrive. Every worker shares the one handler, opened at the deploy and closed
 * when the function stops for good.
 *
 * <p>Threading: every method may be called from any thread; changes to the workers are serialised on the function.
 */
public final class RunningFunction implements AutoCloseable {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RunningFunction.class);

    private final FunctionDefinition definition;
    private final IntFunction<Worker> newWorker;
    private final FunctionMetrics metrics;
    private final Runnable closeHandler;
    private final int workerLimit;
    private final Instant deployedAt = Instant.now();
    /** The workers running or letting go, by slot (a slot names the worker's Kafka clients). */
    private final NavigableMap<Integer, Worker> workers = new ConcurrentSkipListMap<>();
    /** Workers asked to stop because fewer are wanted: they commit and leave the group; the others take over. */
    private final Set<Worker> released = ConcurrentHashMap.newKeySet();
    /** Told when the last worker let go because the function was idle: the engine's watcher takes it from there. */
    private volatile Consumer<RunningFunction> onIdle = function -> { };
    /** Told of every scaling event. */
    private volatile Consumer<ScalingEvent> events = event -> { };
    /** Where the last worker was in its partitions when the function went to zero; null before it ran. */
    private volatile Map<TopicPartition, Long> idlePositions;
    private volatile boolean closed;
    /** Why a worker stopped by itself, failing the function; null while none did. */
    private volatile Throwable failure;
    /** A worker count pinned from outside, or 0: the scaling controller's count is not acted on while pinned. */
    private volatile int pinned;
    private final AtomicBoolean handlerClosed = new AtomicBoolean();
    /** Completes when every worker has stopped and the handler is closed, once the function stops for good. */
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    /** This engine's own controller: what it asks for alone, and when no decision for the cluster is fresh. */
    private final ScalingController scaling;
    private final ClusterScaling.Limits limits;
    /** What is asked for now: the decision for the cluster while one is fresh, else this engine's own. */
    private volatile ScalingController.Decision desired;

    /**
     * @param first        the first worker (slot 0), made at the deploy so that what cannot be made fails the
     *                     deploy; null for a function that starts at zero
     * @param newWorker    makes a worker for a slot (its consumer and producer), at a wake-up or a scale-up
     * @param workerLimit  the most workers this engine runs for the function (1 where something outside scales)
     * @param desiredLimit the most workers asked for: {@code scaling.max}, and no more than the input partitions
     * @param cooldown     how long fewer workers must be asked for before the count falls
     * @param closeHandler closes the handler, once the function stops for good
     */
    RunningFunction(FunctionDefinition definition, Worker first, IntFunction<Worker> newWorker,
            FunctionMetrics metrics, int workerLimit, int desiredLimit, Duration cooldown, Runnable closeHandler) {
        this.definition = definition;
        this.newWorker = newWorker;
        this.metrics = metrics;
        this.workerLimit = Math.max(1, workerLimit);
        this.closeHandler = closeHandler;
        this.limits = new ClusterScaling.Limits(definition.name(), definition.scalingMin(),
                Math.max(definition.scalingMin(), desiredLimit),
                // a windowed function's worker is one stream thread: one record at a time
                definition.windowed() != null ? 1 : definition.maxConcurrency());
        // A function that scales to zero starts there, and asks for no worker until a record wakes it (not for one
        // through a cooldown: an autoscaler outside would start a pod for nothing).
        this.scaling = new ScalingController(limits.min(), limits.max(), limits.callsPerWorker(), cooldown.toNanos(),
                first == null ? new ScalingController.Decision(0, "deployed at zero") : null);
        this.desired = scaling.current();
        if (first != null) {
            workers.put(0, first);
        }
    }

    /**
     * Takes the function's figures of this second into its scaling controller and tells the cluster of them,
     * exports what is asked for (the {@code eddy.desired.workers} gauge: the count for the cluster while a decision
     * for it is fresh), and runs this engine's share of it here (all of it, alone). Called once a second by the
     * engine.
     *
     * @param cluster where the engines decide together; null: this engine decides alone
     */
    void tickScaling(ClusterScaling cluster) {
        ScalingController.Decision before = desired;
        if (isIdle() && scaling.current().workers() == definition.scalingMin()) {
            // At zero and asking for none: nothing changes until a record wakes it. It no longer tells the cluster
            // of it, so it has no share of the cluster's count either.
            desired = scaling.current();
            metrics.desiredWorkers(desired.workers());
            return;
        }
        ScalingController.Sample sample = sample();
        ScalingController.Decision own = scaling.update(sample);
        Optional<ClusterScaling.Share> share = cluster == null ? Optional.empty()
                : cluster.coordinate(limits, sample, workerCount());
        ScalingController.Decision now = share
                .map(s -> new ScalingController.Decision(s.workers(), "decided by " + s.leader() + " for "
                        + s.reason() + "; " + s.here() + " here"))
                .orElse(own);
        // Where the cluster decides, its leader tells of a new count, once; the others follow it quietly.
        ask(before, now, share.map(ClusterScaling.Share::decidedHere).orElse(true));
        if (pinned == 0) {
            scaleTo(share.map(ClusterScaling.Share::here).orElse(own.workers()), now.reason());
        }
    }

    /**
     * Between the second's ticks: a backlog that wants more workers than run now adds them at once, where this
     * engine decides for itself (no fresh decision of the cluster's names it); anything else waits for the tick.
     */
    void lookForBacklog(ClusterScaling cluster) {
        if (isIdle() || pinned != 0 || (cluster != null && cluster.share(definition.name()).isPresent())) {
            return;
        }
        ScalingController.Decision before = desired;
        ScalingController.Decision own = scaling.update(sample());
        if (own.workers() > before.workers()) {
            ask(before, own, true);
            scaleTo(own.workers(), own.reason());
        }
    }

    /** Exports what is asked for now and, when it changed and is told here, logs it as a scaling event. */
    private void ask(ScalingController.Decision before, ScalingController.Decision now, boolean toldHere) {
        desired = now;
        metrics.desiredWorkers(now.workers());
        if (now.workers() != before.workers() && toldHere) {
            log.info("Function '{}' asks for {} workers: {}", definition.name(), now.workers(), now.reason());
            events.accept(ScalingEvent.desired(definition, before.workers(), now.workers(), now.reason()));
        }
    }

    /** What the function shows now. */
    private ScalingController.Sample sample() {
        // Waiting: what Kafka holds for the function (lag) and what its workers fetched and have not finished.
        return new ScalingController.Sample(System.nanoTime(), metrics.received(),
                metrics.lag() + metrics.inFlight(), metrics.handlerMillisAt(0.5) / 1000, metrics.running());
    }

    /**
     * What is asked for now, and why: the count for the cluster while a decision for it is fresh (see
     * {@link ClusterScaling}), else this engine's scaling controller's.
     */
    public ScalingController.Decision scaling() {
        return desired;
    }

    /** Who is told when the function scales to zero. */
    void onIdle(Consumer<RunningFunction> onIdle) {
        this.onIdle = onIdle;
    }

    /** Who is told of the function's scaling events (desired count, workers, zero, wake-ups). */
    void onScalingEvent(Consumer<ScalingEvent> events) {
        this.events = events;
    }

    synchronized void start() {
        Worker first = workers.remove(0);
        if (first == null) {
            metrics.idle(true); // at zero from the start: the watcher wakes it when records wait
            workersChanged();
            onIdle.accept(this);
        } else {
            run(0, first);
        }
    }

    /** Starts a worker in its slot. Called holding the lock. */
    private void run(int slot, Worker worker) {
        workers.put(slot, worker);
        metrics.idle(false);
        workersChanged();
        worker.idleOnlyWhen(() -> workers.size() == 1);
        worker.stopped().thenRun(() -> workerStopped(slot, worker));
        Thread.ofPlatform().name("eddy-poll-" + definition.name() + (slot == 0 ? "" : "-" + slot)).start(worker);
    }

    /**
     * A worker stopped: one asked to go (fewer wanted, or the function stopping), the last one of an idle function
     * (the function is at zero), or one that failed (which fails the function: the others are stopped too).
     */
    private synchronized void workerStopped(int slot, Worker stopped) {
        workers.remove(slot, stopped);
        boolean wasReleased = released.remove(stopped);
        workersChanged();
        if (stopped.failure() != null && !wasReleased && !closed && failure == null) {
            failure = stopped.failure();
            log.error("Function '{}' failed: a worker stopped ({}); stopping its other workers", definition.name(),
                    failure.toString());
            workers.values().forEach(Worker::close);
        }
        if (closed || failure != null) {
            if (workers.isEmpty()) {
                terminate();
            }
        } else if (stopped.idled() && workers.isEmpty()) {
            idlePositions = stopped.idlePositions();
            metrics.idle(true);
            events.accept(ScalingEvent.workers(definition, 1, 0, "no records for "
                    + definition.idleAfter().toMillis() + " ms: scaled to zero"));
            onIdle.accept(this);
        }
    }

    /** Exports how many workers run, and tells a handler that follows them ({@link FollowsWorkers}). */
    private void workersChanged() {
        metrics.workers(workers.size());
        if (!closed && failure == null && definition.lifecycle() instanceof FollowsWorkers follower) {
            follower.workers(workers.size());
        }
    }

    /** Every worker stopped, for good: the handler is closed. */
    private void terminate() {
        if (handlerClosed.compareAndSet(false, true)) {
            closeHandler.run();
        }
        metrics.idle(false);
        terminated.complete(null);
    }

    /**
     * Runs this many workers here (at least one, at most the limit); does nothing while the function is at zero
     * (the watcher wakes it), letting go because idle, stopping, or failed.
     */
    synchronized void scaleTo(int wanted, String reason) {
        if (closed || failure != null || workers.isEmpty()) {
            return;
        }
        int target = Math.min(workerLimit, Math.max(1, wanted));
        int active = 0;
        for (Worker worker : workers.values()) {
            if (worker.idled()) {
                return; // the last worker is letting go: the next record wakes the function
            }
            if (!released.contains(worker)) {
                active++;
            }
        }
        int from = active;
        while (active < target) {
            int slot = 0;
            while (workers.containsKey(slot)) {
                slot++;
            }
            try {
                run(slot, newWorker.apply(slot));
                active++;
            } catch (RuntimeException e) {
                log.warn("Function '{}' could not start another worker; trying again at the next tick: {}",
                        definition.name(), e.toString());
                break;
            }
        }
        for (Worker worker : workers.descendingMap().values()) {
            if (active <= target) {
                break;
            }
            if (released.add(worker)) {
                worker.close(); // commits what completed and leaves the group: the others take its partitions
                active--;
            }
        }
        if (active != from) {
            log.info("Function '{}' runs {} workers here (was {}): {}", definition.name(), active, from, reason);
            events.accept(ScalingEvent.workers(definition, from, active, reason));
        }
    }

    /**
     * Runs exactly this many workers here from now on, whatever the scaling controller asks for (0 gives the
     * controller its say again). For operators' experiments and tests of scaling.
     */
    void pinWorkers(int count) {
        pinned = count;
        if (count > 0) {
            scaleTo(count, "pinned to " + count);
        }
    }

    /** The workers this function runs on this engine now (letting go included). */
    public int workerCount() {
        return workers.size();
    }

    /** How many of its workers here hold input partitions now. */
    public int workersWithPartitions() {
        return (int) workers.values().stream().filter(worker -> worker.assignedPartitions() > 0).count();
    }

    /** How many of its workers here have completed records since they started. */
    public int workersThatCompletedRecords() {
        return (int) workers.values().stream().filter(worker -> worker.completed() > 0).count();
    }

    /** Where the last worker was in its partitions when the function went to zero; null when it has not run. */
    Map<TopicPartition, Long> idlePositions() {
        return idlePositions;
    }

    /**
     * Starts a worker again for a function at zero (a record arrived); does nothing when it runs or is closed.
     *
     * @return whether it woke
     */
    public synchronized boolean wake() {
        if (closed || failure != null || !workers.isEmpty()) {
            return false;
        }
        Worker next = newWorker.apply(0);
        next.coldStart();
        run(0, next);
        events.accept(ScalingEvent.workers(definition, 0, 1, "records arrived while at zero: woken"));
        return true;
    }

    /** Whether the function is scaled to zero now. */
    public boolean isIdle() {
        return !closed && failure == null && workers.isEmpty();
    }

    public String name() {
        return definition.name();
    }

    public FunctionDefinition definition() {
        return definition;
    }

    public FunctionState state() {
        if (failure != null) {
            return FunctionState.FAILED;
        }
        if (closed) {
            return terminated.isDone() ? FunctionState.STOPPED : FunctionState.STOPPING;
        }
        Map.Entry<Integer, Worker> first = workers.firstEntry();
        if (first == null) {
            return FunctionState.IDLE;
        }
        for (Worker worker : workers.values()) {
            if (worker.state() == FunctionState.RUNNING) {
                return FunctionState.RUNNING;
            }
        }
        return first.getValue().state();
    }

    /** Records completed per second over about the last minute, by all its workers here. */
    public double throughput() {
        return workers.values().stream().mapToDouble(Worker::throughput).sum();
    }

    /** How many input partitions this engine handles for the function now (zero until it joined its group). */
    public int assignedPartitions() {
        return workers.values().stream().mapToInt(Worker::assignedPartitions).sum();
    }

    /** The partitions of the function's inputs its workers here own: without its replay topic's. */
    public int inputPartitions() {
        return workers.values().stream().mapToInt(Worker::inputPartitions).sum();
    }

    /** Why the function stopped by itself, if it did. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
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
        if (workers.isEmpty()) {
            terminate(); // at zero, or never started
        } else {
            workers.values().forEach(Worker::close);
        }
    }

    /**
     * Waits until the function has stopped: every worker, and its handler closed.
     *
     * @return false when it had not stopped within the timeout
     */
    public boolean awaitStopped(Duration timeout) {
        try {
            terminated.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
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
