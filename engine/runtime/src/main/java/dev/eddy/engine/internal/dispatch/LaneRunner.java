package dev.eddy.engine.internal.dispatch;

import dev.eddy.engine.FailureReason;
import dev.eddy.engine.Ordering;
import dev.eddy.engine.RetryPolicy;
import dev.eddy.engine.internal.dispatch.WaitingRecords.Waiting;
import dev.eddy.sdk.UndecodableEventException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * A serial lane and what runs on it: records, one after the other, and the decision of what a failure costs.
 *
 * <p>A record whose call fails is tried again after a backoff if the function's {@link RetryPolicy} allows, and
 * goes to the dead-letter topic when it does not. While it waits, only the records that must stay behind it wait
 * with it: those of the same key in {@link Ordering#KEY} order, those of the same partition in {@link
 * Ordering#PARTITION} order, none in {@link Ordering#UNORDERED}; everything else on the lane goes on. A waiting
 * record holds its chunk, so that no offset past it is committed. When its partition is taken away, a waiting
 * record is let go instead (it will be delivered again to the new owner).
 *
 * <p>Timeouts: the {@link Watchdog} interrupts a call that has run longer than the function's timeout and marks it
 * timed out; the call then counts as failed ({@link FailureReason#TIMED_OUT}) whatever it returns. A handler that
 * ignores the interrupt holds its lane until it returns.
 *
 * <p>Ownership: the lane owns its {@link CallContext}, its {@link WaitingRecords} and the batch gathering; the
 * records it holds hold their chunks.
 *
 * <p>Threading: lane tasks run one at a time, each on a thread from the executor; the retry timer only submits a
 * task. The watchdog sees the lane's calls through its {@link CallWatch} only.
 */
final class LaneRunner {

    /** At most this many calls of a slice are timed for the latency histogram. */
    static final int TIMED_PER_SLICE = 4;

    private final SerialLane<Runnable> lane;
    private final Invoker invoker;
    private final CallContext context;
    private final DeadLetters deadLetters;
    private final FunctionMetrics metrics;
    private final FailureLog failureLog;
    private final RetryPolicy policy;
    private final Timers timers;
    private final Ticker ticker;
    private final SplittableRandom random = new SplittableRandom();
    /** Records waiting for a retry, and those behind them. */
    private final WaitingRecords waiting;
    /** Holds retries while an exactly-once commit is made. */
    private final RetryGate gate;
    /** A batch function's next batch, gathering; each record in it holds its chunk. Lane tasks only. */
    private final List<Chunk> batchChunks = new ArrayList<>();
    private final List<ConsumerRecord<byte[], byte[]>> batchRecords = new ArrayList<>();
    private final List<AtomicInteger> batchInLanes = new ArrayList<>();
    private final int maxBatch;
    private final long maxBatchWaitNanos;
    private boolean batchFlushScheduled;

    /** What the watchdog sees of this lane's calls. */
    final CallWatch watch = new CallWatch();

    /** A partition's own lane, on a thread of its own while it has work. */
    LaneRunner(LaneSetup setup) {
        this(setup, setup.executor(), Integer.MAX_VALUE);
    }

    /**
     * @param executor     runs the lane's tasks: the setup's executor, or the key lanes' {@link BoundedThreads}
     * @param tasksPerTurn how many tasks the lane runs before the executor's other work goes first
     */
    LaneRunner(LaneSetup setup, Executor executor, int tasksPerTurn) {
        this.invoker = setup.invoker();
        this.maxBatch = invoker.batches() ? setup.maxBatch() : 1;
        this.maxBatchWaitNanos = setup.maxBatchWait().toNanos();
        this.lane = new SerialLane<>(executor, this::runTask, tasksPerTurn);
        this.context = invoker.newContext(watch::watchedNanos);
        this.deadLetters = setup.deadLetters();
        this.metrics = setup.metrics();
        this.failureLog = setup.failureLog();
        this.policy = setup.retry();
        this.waiting = new WaitingRecords(setup.ordering());
        this.gate = setup.gate();
        this.timers = setup.timers();
        this.ticker = setup.ticker();
    }

    /** Runs one of the lane's tasks (the key lanes' executor keeps them within the function's max concurrency). */
    private void runTask(Runnable task) {
        context.usage.taskStarted();
        try {
            task.run();
        } finally {
            context.usage.flush();
        }
    }

    /** Queues a task to run on this lane after everything queued before it. */
    void submit(Runnable task) {
        lane.submit(task);
    }

    /** Queues a task that lets go of the waiting records of abandoned chunks (partitions taken away). */
    void submitPurge() {
        lane.submit(this::purgeAbandoned);
    }

    /**
     * Runs records now, on the caller's thread, which must be running a task of this lane; releases the chunk once
     * when done with them (records left waiting hold it on their own).
     *
     * @param inLanes the partition's count of work in the key lanes, which a record left waiting here adds to; null
     *                on a partition's own lane
     */
    void run(Chunk chunk, List<ConsumerRecord<byte[], byte[]>> records, AtomicInteger inLanes) {
        watch.onThread();
        int succeeded = 0;
        int failed = 0;
        // Recording into a percentile histogram costs more than a trivial handler: time at most TIMED_PER_SLICE
        // calls of a slice, evenly spread, in the slices the function times (every call when the load is light;
        // eddy.invocations has exact counts).
        boolean timeSlice = invoker.timesSlice(ticker.nanoTime());
        int sampleEvery = timeSlice ? Math.max(1, records.size() / TIMED_PER_SLICE) : Integer.MAX_VALUE;
        int index = 0;
        try {
            for (ConsumerRecord<byte[], byte[]> record : records) {
                if (waiting.queueBehind(chunk, record, inLanes)) {
                    continue;
                }
                if (invoker.batches()) {
                    gather(chunk, record, inLanes);
                    continue;
                }
                Throwable failure = attempt(chunk, record, 1, timeSlice && index++ % sampleEvery == 0);
                if (failure == null) {
                    succeeded++;
                    continue;
                }
                failed++;
                Waiting failing = new Waiting(chunk, record, new Attempts(), inLanes);
                if (retryLater(failing, failure)) {
                    waiting.park(failing.hold());
                }
            }
            if (!batchRecords.isEmpty()) {
                if (maxBatchWaitNanos == 0) {
                    runBatch();
                } else if (!batchFlushScheduled) {
                    batchFlushScheduled = true;
                    timers.schedule(() -> lane.submit(this::flushBatch), maxBatchWaitNanos);
                }
            }
        } catch (Throwable e) {
            // Not the handler's doing: keep the chunk from being committed, and say why.
            chunk.fail(e);
        } finally {
            metrics.succeeded.increment(succeeded);
            if (failed > 0) {
                metrics.failed.increment(failed);
            }
            chunk.release();
        }
    }

    /** Adds a record to the batch gathering, and hands the batch over when it is full. */
    private void gather(Chunk chunk, ConsumerRecord<byte[], byte[]> record, AtomicInteger inLanes) {
        new Waiting(chunk, record, null, inLanes).hold();
        batchChunks.add(chunk);
        batchRecords.add(record);
        batchInLanes.add(inLanes);
        if (batchRecords.size() >= maxBatch) {
            runBatch();
        }
    }

    /** The max wait has passed: hands over what gathered. */
    private void flushBatch() {
        watch.onThread();
        batchFlushScheduled = false;
        if (!batchRecords.isEmpty()) {
            runBatch();
        }
    }

    /** Calls the batch handler on what gathered; the records that failed go the way of any failed record. */
    private void runBatch() {
        List<Chunk> chunks = List.copyOf(batchChunks);
        List<ConsumerRecord<byte[], byte[]>> records = List.copyOf(batchRecords);
        List<AtomicInteger> inLanes = new ArrayList<>(batchInLanes);
        batchChunks.clear();
        batchRecords.clear();
        batchInLanes.clear();
        Throwable[] failures = attempt(chunks, records);
        int failed = 0;
        for (int i = 0; i < records.size(); i++) {
            Waiting gathered = new Waiting(chunks.get(i), records.get(i), null, inLanes.get(i));
            if (failures == null || failures[i] == null) {
                gathered.done();
                continue;
            }
            failed++;
            Waiting failing = gathered.failedOnce();
            if (retryLater(failing, failures[i])) {
                waiting.park(failing);
            } else {
                failing.done(); // dead-lettered: the dead letter holds the chunk now
            }
        }
        metrics.succeeded.increment(records.size() - failed);
        if (failed > 0) {
            metrics.failed.increment(failed);
        }
    }

    /** One call for one record, with the timeout watched; returns the failure or null. */
    private Throwable attempt(Chunk chunk, ConsumerRecord<byte[], byte[]> record, int number, boolean timed) {
        Throwable failure;
        startCall(number);
        try {
            failure = invoker.call(chunk, record, context, timed);
        } finally {
            watch.callEnded();
        }
        return watch.takeTimedOut() ? new HandlerTimeoutException(failure) : failure;
    }

    /** One call for a batch, with the timeout watched; the failures by record, or null. */
    private Throwable[] attempt(List<Chunk> chunks, List<ConsumerRecord<byte[], byte[]>> records) {
        Throwable[] failures;
        startCall(1);
        try {
            failures = invoker.call(chunks, records, context, true);
        } finally {
            watch.callEnded();
        }
        if (watch.takeTimedOut()) {
            Throwable[] timedOutAll = new Throwable[records.size()];
            for (int i = 0; i < timedOutAll.length; i++) {
                timedOutAll[i] = new HandlerTimeoutException(failures == null ? null : failures[i]);
            }
            failures = timedOutAll;
        }
        return failures;
    }

    /** Tells the watchdog a call starts (the caller's finally tells it the call ended). */
    private void startCall(int attempt) {
        watch.callStarted();
        context.attempt(attempt);
    }

    /**
     * Decides what becomes of a record whose attempt failed: another attempt after a backoff (scheduled here), or
     * the dead-letter topic (sent here, holding the chunk until Kafka has it).
     *
     * @return true when another attempt is scheduled, and the caller must keep the record waiting
     */
    private boolean retryLater(Waiting failing, Throwable failure) {
        Attempts attempts = failing.attempts();
        long now = ticker.nanoTime();
        attempts.failed(ticker.millis(), now, failure);
        failureLog.handlerFailed(failing.record(), failure, attempts.count());
        if (failure instanceof UndecodableEventException) {
            // The same bytes would fail the same way: no retry.
            deadLetters.send(failing.chunk(), failing.record(), attempts, FailureReason.UNDECODABLE);
            return false;
        }
        if (policy.allowsAnotherAttempt(attempts.count(), Duration.ofNanos(attempts.nanosSinceFirstFailure(now)))) {
            metrics.retries.increment();
            Object key = waiting.keyOf(failing.record());
            Duration backoff = policy.backoffAfter(attempts.count(), random);
            timers.schedule(() -> lane.submit(() -> retry(key)), backoff.toNanos());
            return true;
        }
        FailureReason reason = failure instanceof HandlerTimeoutException ? FailureReason.TIMED_OUT
                : FailureReason.HANDLER_FAILED;
        deadLetters.send(failing.chunk(), failing.record(), attempts, reason);
        return false;
    }

    /**
     * The next attempt at the record a key waits on, then the records behind it, until one fails again. Each
     * passes the {@link RetryGate} as it stops waiting: while an exactly-once commit is made around them, the key
     * goes on once it is.
     */
    private void retry(Object key) {
        watch.onThread();
        Deque<Waiting> queue = waiting.queue(key);
        if (queue == null) {
            return; // let go meanwhile
        }
        while (!queue.isEmpty()) {
            Waiting head = queue.peek();
            if (head.chunk().isAbandoned()) {
                queue.poll();
                head.letGo();
                continue;
            }
            if (!gate.enter(head.chunk()::unpark, () -> lane.submit(() -> retry(key)))) {
                return;
            }
            int number = head.attempts() == null ? 1 : head.attempts().count() + 1;
            Throwable failure = attempt(head.chunk(), head.record(), number, true);
            if (failure == null) {
                metrics.succeeded.increment();
                queue.poll();
                head.completed();
                continue;
            }
            metrics.failed.increment();
            Waiting failing = head.failedOnce();
            if (retryLater(failing, failure)) {
                queue.poll();
                queue.addFirst(failing);
                failing.chunk().park(failing.record().offset());
                return; // the key keeps waiting for the scheduled attempt
            }
            queue.poll(); // dead-lettered: the records behind it go on
            head.completed();
        }
        waiting.release(key);
    }

    /** Lets go of waiting records whose partitions were taken away; they will be delivered again to the new owner. */
    private void purgeAbandoned() {
        for (int i = batchRecords.size() - 1; i >= 0; i--) {
            Chunk chunk = batchChunks.get(i);
            if (chunk.isAbandoned()) {
                chunk.dropped();
                new Waiting(chunk, batchRecords.remove(i), null, batchInLanes.remove(i)).done();
                batchChunks.remove(i);
            }
        }
        waiting.purgeAbandoned();
    }

    /** Whether records wait on this lane for a retry; lane tasks only. */
    boolean hasWaiting() {
        return !waiting.isEmpty();
    }

    /** Whether a call is running on this lane, as far as another thread can tell. */
    boolean inCall() {
        return watch.inCall();
    }
}
