package dev.eddy.engine.internal.dispatch;

import dev.eddy.engine.Delivery;
import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.FunctionState;
import dev.eddy.engine.internal.Worker;
import dev.eddy.engine.Ordering;
import dev.eddy.engine.state.KeyedStore;
import dev.eddy.engine.state.StateStores;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One function's poll loop. It owns the Kafka consumer and the producer it is given, and puts the dispatcher's
 * parts together; each part owns one concern:
 * <ul>
 *   <li>{@link Fetcher}: polls within the budget of records in flight ({@link InFlightBudget});</li>
 *   <li>{@link Ledgers} and {@link PartitionState}: each partition's chunks in offset order, the committable
 *       position, and the per-partition backpressure;</li>
 *   <li>{@link Lanes}: each partition's own lane and, in KEY and UNORDERED order, the {@link KeyLanes} over which
 *       its records run concurrently up to the function's max concurrency; {@link LaneRunner} runs records, retries
 *       and dead-letters them; {@link Invoker} calls the handler;</li>
 *   <li>{@link Commits}: the offsets, committed by {@link AtLeastOnceCommits} or, for EXACTLY_ONCE, in the
 *       records' transaction by {@link TransactionalCommits};</li>
 *   <li>{@link Rebalances}: ledgers and lanes in step with the assignment, draining partitions let go;</li>
 *   <li>{@link IdlePolicy}: when a function that scales to zero lets go; {@link WorkerGauges}: what it shows;
 *       {@link StateSweeper}: when expired keyed state is removed.</li>
 * </ul>
 * The poll loop commits, per partition, only the offsets below which every record is complete, emits included.
 * Partitions taken away, and all partitions on {@link #close}, stop receiving records; their records in flight get
 * up to {@link EngineConfig#SHUTDOWN_TIMEOUT_MS} to complete; what completed is committed before they are let go.
 *
 * <p>Time is read from the environment's {@link Ticker}, and what runs later runs on {@link Timers}, both
 * injected, so that tests step them.
 *
 * <p>Threading: {@link #run} is the poll loop and runs on one platform thread, which alone touches the consumer,
 * the ledgers and the commits; handlers run on virtual threads; {@link #close} and the accessors may be called
 * from any thread.
 */
public final class FunctionWorker implements Worker {

    private static final Logger log = LoggerFactory.getLogger(FunctionWorker.class);
    private final FunctionDefinition function;
    private final FunctionEnvironment environment;
    private final boolean closesHandler;
    private final Consumer<byte[], byte[]> consumer;
    private final Producer<byte[], byte[]> producer;
    private final FunctionMetrics metrics;
    private final Invoker invoker;
    /** Retry timers, batch flushes and the timeout watchdog. */
    private final Timers timers;
    /** The time the worker reads (its function environment's). */
    private final Ticker ticker;
    /** The partitions' own lanes and the key lanes, where the handler runs. */
    private final Lanes lanes;
    private final InFlightBudget budget;
    private final Fetcher fetcher;
    private final RateWindow completedRate;
    private final Chunk.Listener completionListener;
    private final Duration shutdownTimeout;
    private final Ledgers partitions;
    private final Commits commits;
    private final IdlePolicy idle;
    private final WorkerGauges gauges;
    /** The function's keyed state; null when it declares none. */
    private final KeyedStore stateStore;
    /** Whether the worker closes the store when it stops (it is not the function's shared one). */
    private final boolean ownsStore;
    private final StateSweeper sweeper;

    private volatile boolean stopRequested;
    private volatile FunctionState state = FunctionState.STARTING;
    private volatile int assignedPartitions;
    private volatile int inputPartitions;
    private volatile Throwable failure;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();

    public FunctionWorker(FunctionDefinition function, EngineConfig config, Consumer<byte[], byte[]> consumer,
            Producer<byte[], byte[]> producer, FunctionMetrics metrics) {
        this(FunctionEnvironment.of(function, config), config, consumer, producer, metrics, true, null);
    }

    /**
     * @param environment  the function's environment, whose handler the caller has opened
     * @param closesHandler whether the worker closes the handler when it stops (for good: not when it lets go
     *                      because it was idle); false when the handler is shared by several workers and the caller
     *                      closes it
     * @param sharedStore   the function's external state store, shared by its workers, which the caller closes;
     *                      null: the worker opens (and closes) its own store, if the function has state
     */
    public FunctionWorker(FunctionEnvironment environment, EngineConfig config, Consumer<byte[], byte[]> consumer,
            Producer<byte[], byte[]> producer, FunctionMetrics metrics, boolean closesHandler,
            StateStores.Shared sharedStore) {
        this(environment, config, consumer, producer, metrics, closesHandler, sharedStore, null);
    }

    /**
     * @param timers the worker's timers, on the environment's ticker, which the worker closes; null: timers on a
     *               thread of the worker's own
     */
    FunctionWorker(FunctionEnvironment environment, EngineConfig config, Consumer<byte[], byte[]> consumer,
            Producer<byte[], byte[]> producer, FunctionMetrics metrics, boolean closesHandler,
            StateStores.Shared sharedStore, Timers timers) {
        FunctionDefinition function = environment.definition();
        this.ticker = environment.ticker();
        this.environment = environment;
        this.closesHandler = closesHandler;
        this.function = function;
        this.consumer = consumer;
        this.producer = producer;
        this.metrics = metrics;
        try {
            this.stateStore = sharedStore != null ? sharedStore.get()
                    : StateStores.open(function, config, producer, metrics.state);
            this.ownsStore = sharedStore == null;
        } catch (RuntimeException e) {
            closeQuietly(consumer::close, "consumer");
            closeQuietly(producer::close, "producer");
            throw e;
        }
        long now = ticker.nanoTime();
        this.completedRate = new RateWindow(ticker);
        LaneThreads handlerThreads = new LaneThreads(function.name(), "eddy-" + function.name() + "-");
        this.timers = timers != null ? timers : Timers.onThread("eddy-" + function.name() + "-timers");
        FailureLog failureLog = new FailureLog(function.name(), ticker);
        DeadLetters deadLetters = new DeadLetters(function, producer, metrics, failureLog, handlerThreads, ticker);
        this.sweeper = StateSweeper.of(function, stateStore, config, ticker, now);
        this.invoker = new Invoker(environment, producer, metrics, deadLetters, stateStore, metrics.state);
        RetryGate gate = new RetryGate();
        LaneSetup laneSetup = new LaneSetup(handlerThreads, invoker, deadLetters, metrics, failureLog,
                function.retry(), function.ordering(), ticker, this.timers, gate, function.maxBatchSize(),
                function.maxBatchWait());
        this.lanes = new Lanes(function.name(), laneSetup, handlerThreads, function.maxConcurrency(),
                function.timeout());
        int maxBuffered = config.bufferBound(EngineConfig.MAX_BUFFERED_RECORDS, lanes.splits(),
                function.maxConcurrency());
        this.budget = new InFlightBudget(maxBuffered, ticker);
        this.completionListener = chunk -> budget.completed(chunk.size());
        this.partitions = new Ledgers(consumer, config.bufferBound(EngineConfig.MAX_BUFFERED_RECORDS_PER_PARTITION,
                lanes.splits(), function.maxConcurrency()));
        this.fetcher = new Fetcher(function.name(), consumer, partitions, budget, ticker,
                Duration.ofMillis(config.getLong(EngineConfig.POLL_TIMEOUT_MS)), maxBuffered,
                invoker::averageCallNanos,
                () -> lanes.splits() ? function.maxConcurrency() : Math.max(1, assignedPartitions));
        this.shutdownTimeout = Duration.ofMillis(config.getLong(EngineConfig.SHUTDOWN_TIMEOUT_MS));
        long commitInterval = TimeUnit.MILLISECONDS.toNanos(config.getLong(EngineConfig.COMMIT_INTERVAL_MS));
        this.commits = function.delivery() == Delivery.EXACTLY_ONCE
                ? new TransactionalCommits(function.name(), consumer, partitions, budget,
                        new Transactions(function.name(), producer), stateStore, new Status(), gate, commitInterval,
                        now)
                : new AtLeastOnceCommits(function.name(), consumer, partitions, commitInterval, maxBuffered,
                        shutdownTimeout, now);
        this.idle = new IdlePolicy(function.scalingMin() == 0 ? function.idleAfter() : null);
        this.gauges = new WorkerGauges(budget, partitions, consumer, lanes.all(), () -> assignedPartitions, metrics);
    }

    @Override
    public void run() {
        try {
            invoker.checkOutputs(function.deadLetterTopic());
            if (commits instanceof TransactionalCommits transactional) {
                transactional.start();
            }
            Rebalances listener = new Rebalances(function, consumer, partitions, lanes, idle, stateStore, metrics,
                    ticker, commits instanceof TransactionalCommits, this::drainAndCommit, () -> stopRequested,
                    (all, inputs) -> {
                        assignedPartitions = all;
                        inputPartitions = inputs;
                    });
            if (function.subscriptionPattern().isPresent()) {
                consumer.subscribe(function.subscriptionPattern().get(), listener);
            } else {
                consumer.subscribe(function.subscription(), listener);
            }
            state = FunctionState.RUNNING;
            metrics.attach(gauges);
            while (!stopRequested && failure == null) {
                if (commits.holding()) {
                    dispatch(fetcher.keepAlive()); // every partition is paused
                    if (commits.ready()) {
                        advance(partitions.all()); // after: what was ready is still, and every chunk done is passed
                        commits.release(failure == null);
                    }
                    continue;
                }
                dispatch(fetcher.next());
                advance(partitions.all());
                partitions.resumeDrained();
                completedRate.offer(budget.completedCount());
                long now = ticker.nanoTime();
                commits.turn(now);
                sweeper.turn(now);
                gauges.refresh(now);
                if (idle.shouldLetGo(now, budget.allDone(), commits.holding())) {
                    idle.letGo(consumer);
                    log.info("Function '{}' had no records for {} ms: scaling to zero", function.name(),
                            TimeUnit.NANOSECONDS.toMillis(idle.idleAfterNanos()));
                    break;
                }
            }
        } catch (WakeupException e) {
            if (!stopRequested) {
                failure = e;
            }
        } catch (RuntimeException | Error e) {
            failure = e;
            log.error("Function '{}' stopped: its poll loop failed", function.name(), e);
        } finally {
            drainAndClose();
        }
    }

    /**
     * Where the worker was in each of its input partitions when it let go because it was idle: a record past one
     * of these is one it has not seen.
     */
    @Override
    public Map<TopicPartition, Long> idlePositions() {
        return idle.idlePositions();
    }

    /**
     * Lets the worker go when idle only while this holds (a function with several workers sheds the others first,
     * through its scaling controller, and goes to zero with its last).
     */
    @Override
    public void idleOnlyWhen(BooleanSupplier condition) {
        idle.onlyWhen(condition);
    }

    /** This worker is started to handle records that arrived while its function was at zero. */
    @Override
    public void coldStart() {
        idle.coldStart();
    }

    /** Whether the worker stopped because its function was idle (scaled to zero), not because it was asked to. */
    @Override
    public boolean idled() {
        return idle.idled();
    }

    private void dispatch(ConsumerRecords<byte[], byte[]> records) {
        if (records.isEmpty()) {
            return;
        }
        if (idle.scalesToZero() && idle.recordsCame(ticker.nanoTime())) {
            metrics.coldStarted(records.iterator().next().timestamp(), ticker.millis());
        }
        for (TopicPartition partition : records.partitions()) {
            PartitionState ledger = partitions.get(partition);
            if (ledger == null) {
                continue; // taken away during this poll; the records will go to the new owner
            }
            Chunk chunk = ledger.chunkOf(records.records(partition), completionListener);
            ledger.add(chunk);
            budget.dispatched(chunk.size());
            metrics.received.increment(chunk.size());
            lanes.submit(chunk, ledger);
            partitions.pauseIfFull(ledger);
        }
    }

    private void advance(Collection<PartitionState> ledgers) {
        for (PartitionState ledger : ledgers) {
            commits.advanced(ledger.advance());
            if (ledger.failure() != null && failure == null) {
                failure = new OutputFailedException(function.name(), ledger.partition, ledger.position(),
                        ledger.failure());
                log.error("{}", failure.getMessage(), ledger.failure());
            }
        }
    }

    /**
     * Lets the ledgers' partitions go (a transactional worker: all of them): records waiting for a retry are let go
     * at once (they will be delivered again), records running get up to the shutdown timeout to complete, and what
     * completed is committed.
     *
     * @param abort transactional: abort rather than commit, whatever completed (partitions were lost)
     */
    private void drainAndCommit(Collection<PartitionState> leaving, boolean abort) {
        Collection<PartitionState> ledgers = commits.drainSet(leaving);
        lanes.drain(ledgers, shutdownTimeout);
        advance(ledgers);
        commits.drained(ledgers, abort, failure != null);
    }

    private void drainAndClose() {
        state = FunctionState.STOPPING;
        try {
            consumer.pause(consumer.assignment());
            drainAndCommit(new ArrayList<>(partitions.all()), false);
        } catch (RuntimeException e) {
            log.error("Function '{}' could not commit its last offsets; records after the last commit will be"
                    + " delivered again", function.name(), e);
        } finally {
            partitions.clear();
            assignedPartitions = 0;
            inputPartitions = 0;
            closeQuietly(consumer::close, "consumer");
            closeQuietly(() -> producer.close(shutdownTimeout), "producer");
            lanes.shutdown();
            timers.close();
            if (closesHandler && !idle.idled()) {
                environment.closeHandler(); // an idle function's next worker uses the handler as it is
            }
            if (stateStore != null && ownsStore) {
                closeQuietly(stateStore::close, "state store");
            }
            metrics.detach(gauges, consumer);
            state = failure == null ? FunctionState.STOPPED : FunctionState.FAILED;
            stopped.complete(null);
        }
    }

    private void closeQuietly(Runnable close, String what) {
        try {
            close.run();
        } catch (RuntimeException e) {
            log.warn("Function '{}': closing the {} failed: {}", function.name(), what, e.toString());
        }
    }

    /** Asks the loop to stop; returns at once. {@link #stopped} completes when it has. */
    @Override
    public void close() {
        stopRequested = true;
        consumer.wakeup();
        budget.wake();
    }

    /** Completes when the loop has stopped and the clients are closed. */
    @Override
    public CompletableFuture<Void> stopped() {
        return stopped;
    }

    @Override
    public FunctionState state() {
        return state;
    }

    /** Records completed per second over about the last minute. */
    @Override
    public double throughput() {
        return completedRate.perSecond();
    }

    /** Records this worker has completed since it started. */
    @Override
    public long completed() {
        return budget.completedCount();
    }

    /** How many input partitions this worker owns now. */
    @Override
    public int assignedPartitions() {
        return assignedPartitions;
    }

    @Override
    public int inputPartitions() {
        return inputPartitions;
    }

    /** Why the function stopped by itself, or null. */
    @Override
    public Throwable failure() {
        return failure;
    }

    /** What the commit policy sees of the worker. */
    private final class Status implements Commits.Worker {
        @Override
        public boolean running() {
            return !stopRequested && failure == null;
        }

        @Override
        public void failed(RuntimeException cause) {
            failure = cause;
        }
    }
}
