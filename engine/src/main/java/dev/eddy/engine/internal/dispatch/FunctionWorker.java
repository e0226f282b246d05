package dev.eddy.engine.internal.dispatch;

import dev.eddy.engine.Delivery;
import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.FunctionState;
import dev.eddy.engine.Ordering;
import dev.eddy.engine.state.KeyedStore;
import dev.eddy.engine.state.StateStores;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.OptionalLong;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One function's poll loop: it owns the Kafka consumer, hands each partition's records to that partition's
 * {@link SerialLane}, and commits, per partition, only the offsets below which every record is complete, emits
 * included (at-least-once). Handlers run on virtual threads: in {@link Ordering#PARTITION} order on the partition's
 * lane itself; otherwise the partition's lane splits its records over the function's {@link KeyLanes}, so that
 * concurrency is the function's max concurrency rather than the partition count.
 *
 * <p>Backpressure: with {@link EngineConfig#MAX_BUFFERED_RECORDS} records in flight the loop stops fetching and
 * waits for records to complete, as a plain consume→produce loop waits on its own sends; it still polls at least
 * every {@link EngineConfig#POLL_TIMEOUT_MS} so that the consumer stays in its group however slow the handler is. A
 * partition with {@link EngineConfig#MAX_BUFFERED_RECORDS_PER_PARTITION} records in flight is paused on its own, and
 * resumed when half of them are done, so that one slow partition cannot hold the whole budget.
 *
 * <p>Rebalance and shutdown: partitions taken away, and all partitions on {@link #close}, stop receiving records;
 * their records in flight get up to {@link EngineConfig#SHUTDOWN_TIMEOUT_MS} to complete; what completed is
 * committed before the partitions are let go.
 *
 * <p>Ownership: the worker owns the consumer and the producer it is given and closes both. {@link #run} is the
 * poll loop's body and runs on one platform thread; {@link #close} may be called from any thread.
 */
public final class FunctionWorker implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(FunctionWorker.class);
    private static final long MIN_PAUSED_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    private static final long GAUGE_REFRESH_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long MIN_EARLY_COMMIT_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /**
     * The work a function buffers, in time: a slow function fetches about what its calls get through in this long,
     * so that a partition taken away (by a rebalance, a scale-up) is let go within about this long, and a crash
     * replays little. A fast one is bounded by max.buffered.records.
     */
    private static final long BUFFERED_WORK_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** The fewest records a function buffers, whatever its calls take: half a poll's worth. */
    private static final int MIN_BUFFERED = 500;

    private final FunctionDefinition function;
    private final FunctionEnvironment environment;
    private final boolean closesHandler;
    /** Whether the worker may let go when idle now (its function's only worker); always, unless told otherwise. */
    private volatile java.util.function.BooleanSupplier mayIdle = () -> true;
    /** What the gauges read from this worker, while it runs. */
    private final Gauges gauges = new Gauges();
    private final Consumer<byte[], byte[]> consumer;
    private final Producer<byte[], byte[]> producer;
    private final FunctionMetrics metrics;
    private final Invoker invoker;
    private final FailureLog failureLog;
    private final DeadLetters deadLetters;
    /** Retry timers, batch flushes and the timeout watchdog. */
    private final Timers timers;
    /** The time the worker reads (its function environment's). */
    private final Ticker ticker;
    /** The lanes of KEY and UNORDERED order; null in PARTITION order, where each partition runs on its own lane. */
    private final KeyLanes keyLanes;
    /** Every lane, for the watchdog: the key lanes and the partitions' own. */
    private final List<LaneRunner> runners = new CopyOnWriteArrayList<>();
    private final ExecutorService handlerThreads;
    private final LaneSetup laneSetup;
    private final Duration pollTimeout;
    private final long commitIntervalNanos;
    private final int maxBuffered;
    private final long pollTimeoutNanos;
    private final InFlightBudget budget;
    private final RateWindow completedRate;
    private final Chunk.Listener completionListener;
    private final Duration shutdownTimeout;
    private final Ledgers partitions;
    /** The function's keyed state; null when it declares none. */
    private final KeyedStore stateStore;
    /** Whether the worker closes the store when it stops (it is not the function's shared one). */
    private final boolean ownsStore;
    /** How often expired state is removed; 0 when no state of the function expires. */
    private final long sweepIntervalNanos;
    private long lastSweep;

    private volatile boolean stopRequested;
    private volatile FunctionState state = FunctionState.STARTING;
    private volatile int assignedPartitions;
    // What the gauges read, refreshed by the poll loop every GAUGE_REFRESH_NANOS.
    private volatile long inFlightNow;
    private volatile int pausedNow;
    private volatile long lagNow;
    private long lastGaugeRefresh;
    private volatile Throwable failure;
    /** For a function that scales to zero: how long without records before the worker lets go; 0 otherwise. */
    private final long idleAfterNanos;
    /** When records last came or were in flight; from the first assignment on (poll loop only). */
    private long lastActivity;
    private boolean assignedOnce;
    /** The worker stopped because it was idle (its handler stays open for the next worker). */
    private volatile boolean idled;
    /** Where the worker was in each of its partitions when it let go (for the watcher). */
    private volatile Map<TopicPartition, Long> idlePositions = Map.of();
    /** This worker was started for a record that woke its function: its first records measure the cold start. */
    private volatile boolean coldStart;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private long lastCommit;
    /** Whether outputs, dead letters and offsets are committed in Kafka transactions (EXACTLY_ONCE). */
    private final boolean transactional;
    /** The transactions of an EXACTLY_ONCE function; null otherwise. */
    private final Transactions transactions;
    /** Transactional: dispatch is held until everything in flight completes, so that it can all be committed. */
    private boolean barrier;
    private long dispatchedAtLastCommit;
    /** Records completed since the last commit was sent; poll loop only. */
    private long uncommitted;

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
        long now = ticker.nanoTime();
        this.lastSweep = now;
        this.lastCommit = now;
        this.completedRate = new RateWindow(ticker);
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
        this.handlerThreads = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("eddy-" + function.name() + "-", 0).factory());
        this.timers = timers != null ? timers : Timers.onThread("eddy-" + function.name() + "-timers");
        this.failureLog = new FailureLog(function.name(), ticker);
        this.deadLetters = new DeadLetters(function, producer, metrics, failureLog, handlerThreads, ticker);
        this.sweepIntervalNanos = function.state().stream().anyMatch(spec -> spec.ttl().expires())
                ? TimeUnit.MILLISECONDS.toNanos(config.getLong(EngineConfig.STATE_SWEEP_INTERVAL_MS)) : 0;
        this.invoker = new Invoker(environment, producer, metrics, deadLetters, stateStore, metrics.state);
        this.laneSetup = new LaneSetup(handlerThreads, invoker, deadLetters, metrics, failureLog, function.retry(),
                function.ordering(), ticker, this.timers, function.maxBatchSize(), function.maxBatchWait());
        if (function.ordering() == Ordering.PARTITION) {
            this.keyLanes = null;
        } else {
            Semaphore permits = new Semaphore(function.maxConcurrency(), true);
            int count = KeyLanes.laneCount(function.maxConcurrency());
            List<LaneRunner> lanes = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                lanes.add(new LaneRunner(laneSetup, permits));
            }
            this.keyLanes = new KeyLanes(function.ordering(), function.maxConcurrency(), invoker, lanes, ticker);
            runners.addAll(lanes);
        }
        Watchdog watchdog = new Watchdog(function.name(), function.timeout(),
                () -> runners.stream().map(runner -> runner.watch).toList());
        this.timers.every(watchdog, watchdog.periodNanos());
        this.pollTimeout = Duration.ofMillis(config.getLong(EngineConfig.POLL_TIMEOUT_MS));
        this.commitIntervalNanos = TimeUnit.MILLISECONDS.toNanos(config.getLong(EngineConfig.COMMIT_INTERVAL_MS));
        this.maxBuffered = config.getInt(EngineConfig.MAX_BUFFERED_RECORDS);
        this.budget = new InFlightBudget(maxBuffered, ticker);
        this.completionListener = chunk -> budget.completed(chunk.size());
        this.partitions = new Ledgers(consumer, config.getInt(EngineConfig.MAX_BUFFERED_RECORDS_PER_PARTITION));
        this.pollTimeoutNanos = pollTimeout.toNanos();
        this.shutdownTimeout = Duration.ofMillis(config.getLong(EngineConfig.SHUTDOWN_TIMEOUT_MS));
        this.transactional = function.delivery() == Delivery.EXACTLY_ONCE;
        this.idleAfterNanos = function.scalingMin() == 0 ? function.idleAfter().toNanos() : 0;
        this.transactions = transactional ? new Transactions(function.name(), producer) : null;
    }

    @Override
    public void run() {
        try {
            invoker.checkOutputs(function.deadLetterTopic());
            if (transactions != null) {
                transactions.start();
            }
            if (function.subscriptionPattern().isPresent()) {
                consumer.subscribe(function.subscriptionPattern().get(), new Listener());
            } else {
                consumer.subscribe(function.subscription(), new Listener());
            }
            state = FunctionState.RUNNING;
            metrics.attach(gauges);
            long lastPoll = ticker.nanoTime();
            long pausedPollNanos = MIN_PAUSED_POLL_NANOS;
            long completedAtLastPoll = budget.completedCount();
            while (!stopRequested && failure == null) {
                if (barrier) {
                    // Every partition is paused: the poll only keeps the group membership alive.
                    dispatch(poll(Duration.ofNanos(MIN_PAUSED_POLL_NANOS)));
                    if (budget.allDone()) {
                        finishBarrier();
                    }
                    continue;
                }
                budget.limit(bufferedWorkLimit());
                if (budget.full()) {
                    budget.awaitRoom(lastPoll + pollTimeoutNanos);
                }
                if (!budget.full() || ticker.nanoTime() - lastPoll >= pollTimeoutNanos) {
                    // While a partition is paused, look at completed work often, since that is what resumes it;
                    // but back off while nothing completes (a stuck handler), up to the ordinary poll timeout.
                    long progress = budget.completedCount();
                    pausedPollNanos = progress != completedAtLastPoll ? MIN_PAUSED_POLL_NANOS
                            : Math.min(pausedPollNanos * 2, pollTimeoutNanos);
                    completedAtLastPoll = progress;
                    if (budget.full()) {
                        // Polled only to stay in the group: nothing more is fetched until there is room.
                        List<TopicPartition> held = partitions.hold();
                        try {
                            dispatch(poll(Duration.ZERO));
                        } finally {
                            partitions.release(held);
                        }
                    } else {
                        dispatch(poll(partitions.anyPaused() ? Duration.ofNanos(pausedPollNanos) : pollTimeout));
                    }
                    lastPoll = ticker.nanoTime();
                }
                advance(partitions.all());
                partitions.resumeDrained();
                completedRate.offer(budget.completedCount());
                // Commit on the interval, and sooner when much has completed: what a crash replays is what was in
                // flight plus what completed since the last commit, and at full speed an interval is a lot. Early
                // commits are spaced a little, since each is a write to the group's offsets topic.
                long sinceCommit = ticker.nanoTime() - lastCommit;
                // (Transactional commits are not brought forward: a crash replays nothing twice there, and each
                // commit drains the pipeline.)
                boolean due = sinceCommit >= commitIntervalNanos || (!transactional && uncommitted >= maxBuffered
                        && sinceCommit >= MIN_EARLY_COMMIT_GAP_NANOS);
                if (due && transactional) {
                    startBarrier();
                } else if (due) {
                    commitAsync();
                }
                if (sweepIntervalNanos > 0 && ticker.nanoTime() - lastSweep >= sweepIntervalNanos) {
                    sweepExpiredState();
                }
                if (ticker.nanoTime() - lastGaugeRefresh >= GAUGE_REFRESH_NANOS) {
                    refreshGauges();
                }
                if (idleAfterNanos > 0 && idle() && mayIdle.getAsBoolean()) {
                    idlePositions = positions();
                    idled = true;
                    log.info("Function '{}' had no records for {} ms: scaling to zero", function.name(),
                            TimeUnit.NANOSECONDS.toMillis(idleAfterNanos));
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
     * Polls. A poll that times out waiting for Kafka — most often for the committed offsets of partitions just
     * assigned, which Kafka holds back while a former owner's transaction is still open — is not the function's
     * failure: the next poll asks again, and the member stays in its group meanwhile.
     */
    private ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
        try {
            return consumer.poll(timeout);
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            log.warn("Function '{}': Kafka did not answer the poll in time ({}); polling again", function.name(),
                    e.getMessage());
            return ConsumerRecords.empty();
        }
    }

    /**
     * How many records to buffer: what the calls running at once get through in {@link #BUFFERED_WORK_NANOS}, from
     * the handler's average time per record (at least {@link #MIN_BUFFERED}; that many before any call is timed).
     */
    private int bufferedWorkLimit() {
        double call = invoker.averageCallNanos();
        if (Double.isNaN(call)) {
            return MIN_BUFFERED;
        }
        int calls = keyLanes == null ? Math.max(1, assignedPartitions) : function.maxConcurrency();
        double records = calls * (BUFFERED_WORK_NANOS / Math.max(call, 1.0));
        return (int) Math.max(MIN_BUFFERED, Math.min(maxBuffered, records));
    }

    /** Whether the worker has had nothing to do for the idle time, since it first had partitions. */
    private boolean idle() {
        if (!assignedOnce || barrier) {
            return false;
        }
        long now = ticker.nanoTime();
        if (!budget.allDone()) {
            lastActivity = now;
            return false;
        }
        return now - lastActivity >= idleAfterNanos;
    }

    /** The consumer's position in each assigned partition (past any transaction markers it has read). */
    private Map<TopicPartition, Long> positions() {
        Map<TopicPartition, Long> positions = new java.util.HashMap<>();
        for (TopicPartition partition : consumer.assignment()) {
            try {
                positions.put(partition, consumer.position(partition, Duration.ofSeconds(5)));
            } catch (RuntimeException e) {
                positions.put(partition, 0L); // unknown: any record there wakes the function
            }
        }
        return positions;
    }

    /**
     * Where the worker was in each of its input partitions when it let go because it was idle: a record past one
     * of these is one it has not seen.
     */
    public Map<TopicPartition, Long> idlePositions() {
        return idlePositions;
    }

    /**
     * Lets the worker go when idle only while this holds (a function with several workers sheds the others first,
     * through its scaling controller, and goes to zero with its last).
     */
    public void idleOnlyWhen(java.util.function.BooleanSupplier condition) {
        this.mayIdle = condition;
    }

    /** This worker is started to handle records that arrived while its function was at zero. */
    public void coldStart() {
        coldStart = true;
    }

    /** Whether the worker stopped because its function was idle (scaled to zero), not because it was asked to. */
    public boolean idled() {
        return idled;
    }

    /** Takes what the gauges show from the poll loop's own bookkeeping and the consumer. */
    private void refreshGauges() {
        lastGaugeRefresh = ticker.nanoTime();
        inFlightNow = budget.dispatchedCount() - budget.completedCount();
        pausedNow = partitions.pausedCount();
        long lag = 0;
        for (TopicPartition partition : consumer.assignment()) {
            OptionalLong behind = consumer.currentLag(partition);
            if (behind.isPresent()) {
                lag += behind.getAsLong();
            }
        }
        lagNow = lag;
    }

    /** The function's gauges, read on the scraping thread. */
    private final class Gauges implements FunctionMetrics.Live {
        @Override
        public long inFlight() {
            return inFlightNow;
        }

        @Override
        public int concurrency() {
            int running = 0;
            for (LaneRunner runner : runners) {
                if (runner.inCall()) {
                    running++;
                }
            }
            return running;
        }

        @Override
        public int assignedPartitions() {
            return assignedPartitions;
        }

        @Override
        public int pausedPartitions() {
            return pausedNow;
        }

        @Override
        public long lag() {
            return lagNow;
        }

        @Override
        public double lagSeconds() {
            return lagNow > 0 ? metrics.lastEndToEndMillis / 1000.0 : 0;
        }
    }

    /** Removes expired state from the store; a store that cannot be reached now is tried at the next sweep. */
    private void sweepExpiredState() {
        lastSweep = ticker.nanoTime();
        try {
            stateStore.sweep(ticker.millis());
        } catch (RuntimeException e) {
            log.warn("Function '{}' could not remove expired state; will try again: {}", function.name(),
                    e.getMessage());
        }
    }

    private void dispatch(ConsumerRecords<byte[], byte[]> records) {
        if (idleAfterNanos > 0 && !records.isEmpty()) { // a function that scales to zero: it is not idle
            lastActivity = ticker.nanoTime();
            if (coldStart) {
                coldStart = false;
                metrics.coldStarted(records.iterator().next().timestamp(), ticker.millis());
            }
        }
        for (TopicPartition partition : records.partitions()) {
            PartitionState ledger = partitions.get(partition);
            if (ledger == null) {
                continue; // taken away during this poll; the records will go to the new owner
            }
            Chunk chunk = new Chunk(partition, records.records(partition), completionListener);
            ledger.add(chunk);
            budget.dispatched(chunk.size());
            metrics.received.increment(chunk.size());
            LaneRunner own = ledger.runner;
            if (keyLanes == null) {
                own.submit(() -> own.run(chunk, chunk.records(), null));
            } else {
                own.submit(() -> keyLanes.split(chunk, ledger));
            }
            partitions.pauseIfFull(ledger);
        }
    }

    private void advance(Collection<PartitionState> ledgers) {
        for (PartitionState ledger : ledgers) {
            uncommitted += ledger.advance();
            if (ledger.failure() != null && failure == null) {
                failure = new OutputFailedException(function.name(), ledger.partition, ledger.position(),
                        ledger.failure());
                log.error("{}", failure.getMessage(), ledger.failure());
            }
        }
    }

    /**
     * Transactional: holds dispatch so that everything in flight completes. A transaction may hold a record's
     * outputs only together with its offset, and while records run, some have emitted ahead of the committable
     * position; at the barrier there are none.
     */
    private void startBarrier() {
        lastCommit = ticker.nanoTime();
        uncommitted = 0;
        if (budget.dispatchedCount() == dispatchedAtLastCommit) {
            return; // nothing happened since the last commit
        }
        partitions.pauseAll();
        barrier = true;
    }

    /** Everything in flight is done: commits the transaction with the offsets (or aborts it), and goes on. */
    private void finishBarrier() {
        advance(partitions.all());
        if (failure == null) {
            endTransaction(partitions.all(), partitions.all().stream().anyMatch(PartitionState::stuckOnDropped));
        }
        barrier = false;
        partitions.resumeAll();
    }

    /**
     * Commits the open transaction with the ledgers' offsets and begins the next, or, when {@code abort}, aborts it
     * and rewinds every ledger to its last commit, so that its records are fetched and handled again. Every record
     * handed out must be done.
     */
    private void endTransaction(Collection<PartitionState> ledgers, boolean abort) {
        dispatchedAtLastCommit = budget.dispatchedCount();
        boolean next = !stopRequested && failure == null; // a stopping function closes its producer with none open
        try {
            if (abort) {
                transactions.abort(next);
                for (PartitionState ledger : ledgers) {
                    ledger.rewind();
                    if (ledger.lastCommitted() >= 0 && partitions.owns(ledger.partition)) {
                        consumer.seek(ledger.partition, ledger.lastCommitted());
                    }
                }
                if (stateStore != null && next) {
                    stateStore.aborted(); // the state changes of the aborted transaction are gone from Kafka too
                }
                log.info("Function '{}' aborted its transaction; the records since the last commit will be handled"
                        + " again", function.name());
            } else {
                Map<TopicPartition, OffsetAndMetadata> offsets = Ledgers.committable(ledgers);
                transactions.commit(offsets, consumer.groupMetadata(), next);
                partitions.committed(offsets);
            }
        } catch (Transactions.TransactionException e) {
            // Fenced by a newer instance, or thrown out of the group while stopped (a zombie): nothing of this
            // transaction becomes visible, and whoever owns the partitions now handles the records.
            failure = e;
            log.error("{}", e.getMessage());
        }
    }

    private void commitAsync() {
        lastCommit = ticker.nanoTime();
        uncommitted = 0;
        Map<TopicPartition, OffsetAndMetadata> offsets = Ledgers.committable(partitions.all());
        if (offsets.isEmpty()) {
            return;
        }
        consumer.commitAsync(offsets, (committed, error) -> {
            if (error != null) {
                log.warn("Function '{}' could not commit offsets {}; will try again: {}", function.name(),
                        committed, error.toString());
                // The callback runs on the poll thread, inside poll(): the ledgers are safe to touch.
                partitions.commitFailed(offsets.keySet());
            }
        });
    }

    /**
     * Lets the ledgers' partitions go: records waiting for a retry are let go at once (they will be delivered
     * again), records running get up to the shutdown timeout to complete, and what completed is committed.
     */
    private void drainAndCommit(Collection<PartitionState> ledgers) {
        drainAndCommit(ledgers, false);
    }

    /** @param abort transactional: abort rather than commit, whatever completed (partitions were lost) */
    private void drainAndCommit(Collection<PartitionState> ledgers, boolean abort) {
        if (transactional) {
            // A transaction covers every partition: all of them drain, and commit (or abort) together.
            List<PartitionState> all = new ArrayList<>(ledgers);
            partitions.all().stream().filter(ledger -> !all.contains(ledger)).forEach(all::add);
            ledgers = all;
        }
        for (PartitionState ledger : ledgers) {
            ledger.abandon();
            ledger.runner.submitPurge();
        }
        if (keyLanes != null) {
            keyLanes.lanes().forEach(LaneRunner::submitPurge);
        }
        CompletableFuture<?>[] drains = ledgers.stream().map(PartitionState::drained).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(drains).get(shutdownTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            long left = ledgers.stream().mapToInt(PartitionState::buffered).sum();
            log.warn("Function '{}': {} records still in flight after {}; committing what completed, the rest"
                    + " will be delivered again", function.name(), left, shutdownTimeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("chunk completions never fail", e);
        }
        advance(ledgers);
        if (transactional) {
            if (failure == null) {
                boolean incomplete = ledgers.stream().anyMatch(l -> l.stuckOnDropped() || !l.isEmpty());
                endTransaction(ledgers, abort || incomplete);
            } else {
                closeQuietly(producer::abortTransaction, "transaction");
            }
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = Ledgers.committable(ledgers);
        if (!offsets.isEmpty()) {
            try {
                consumer.commitSync(offsets, shutdownTimeout);
            } catch (WakeupException e) {
                consumer.commitSync(offsets, shutdownTimeout); // close() woke the consumer; the commit still matters
            }
        }
    }

    private void drainAndClose() {
        state = FunctionState.STOPPING;
        try {
            consumer.pause(consumer.assignment());
            drainAndCommit(new ArrayList<>(partitions.all()));
        } catch (RuntimeException e) {
            log.error("Function '{}' could not commit its last offsets; records after the last commit will be"
                    + " delivered again", function.name(), e);
        } finally {
            partitions.clear();
            assignedPartitions = 0;
            closeQuietly(consumer::close, "consumer");
            closeQuietly(() -> producer.close(shutdownTimeout), "producer");
            handlerThreads.shutdown();
            timers.close();
            if (closesHandler && !idled) {
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
    public void close() {
        stopRequested = true;
        consumer.wakeup();
        budget.wake();
    }

    /** Completes when the loop has stopped and the clients are closed. */
    public CompletableFuture<Void> stopped() {
        return stopped;
    }

    public FunctionState state() {
        return state;
    }

    /** Records completed per second over about the last minute. */
    public double throughput() {
        return completedRate.perSecond();
    }

    /** Records this worker has completed since it started. */
    public long completed() {
        return budget.completedCount();
    }

    /** How many input partitions this worker owns now. */
    public int assignedPartitions() {
        return assignedPartitions;
    }

    /** Why the function stopped by itself, or null. */
    public Throwable failure() {
        return failure;
    }

    /** Keeps the ledgers in step with the assignment; runs on the poll thread, inside poll(). */
    private final class Listener implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
            for (TopicPartition partition : assigned) {
                partitions.add(partition, p -> {
                    LaneRunner own = new LaneRunner(laneSetup, null);
                    runners.add(own);
                    return new PartitionState(p, own, ticker.nanoTime());
                });
            }
            assignedPartitions = partitions.size();
            if (!assignedOnce) {
                assignedOnce = true;
                lastActivity = ticker.nanoTime();
            }
            log.info("Function '{}' was assigned {}", function.name(), assigned);
            StartingPositions.apply(consumer, function.startingPosition(), assigned);
            if (stateStore != null) {
                stateStore.assigned(assigned); // before their first record: the state is read now
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
            List<PartitionState> ledgers = forget(revoked);
            if (!stopRequested) {
                metrics.partitionsRevoked.increment(revoked.size());
            }
            assignedPartitions = partitions.size();
            if (!ledgers.isEmpty()) {
                drainAndCommit(ledgers);
            }
            if (stateStore != null) {
                stateStore.revoked(revoked);
            }
            log.info("Function '{}' gave up {}", function.name(), revoked);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> lost) {
            List<PartitionState> gone = forget(lost);
            if (transactional && !gone.isEmpty()) {
                // The open transaction may hold outputs of the lost partitions' records: it must not be committed.
                drainAndCommit(gone, true);
            }
            if (stateStore != null) {
                stateStore.revoked(lost);
            }
            metrics.partitionsRevoked.increment(lost.size());
            assignedPartitions = partitions.size();
            log.warn("Function '{}' lost {} without committing; their records in flight will be delivered again",
                    function.name(), lost);
        }

        private List<PartitionState> forget(Collection<TopicPartition> gone) {
            List<PartitionState> removed = partitions.remove(gone);
            removed.forEach(ledger -> runners.remove(ledger.runner));
            return removed;
        }
    }
}
