package dev.eddy.engine.internal.dispatch;

import java.time.Duration;
import java.util.List;
import java.util.function.DoubleSupplier;
import java.util.function.IntSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poll loop's fetching, within the function's budget of records in flight. The budget is what the calls
 * running at once get through in {@link #BUFFERED_WORK_NANOS} (at least {@link #MIN_BUFFERED}, at most
 * {@code max.buffered.records}). At the budget the loop waits for room, as a plain consume→produce loop waits on
 * its own sends, but still polls at least every poll timeout, with every partition paused, so that the consumer
 * stays in its group however slow the handler is. While a partition is paused for backpressure, polls come often
 * (completed work is what resumes it), backing off while nothing completes.
 *
 * <p>Threading: the poll loop's only.
 */
final class Fetcher {

    private static final Logger log = LoggerFactory.getLogger(Fetcher.class);
    private static final long MIN_PAUSED_POLL_NANOS = 2_000_000L;
    /**
     * The longest a poll waits while partitions are paused and calls complete: a paused partition holds at least
     * half of what it buffers (see {@link Ledgers}), more than this of work, so polling as often as one call
     * completes is enough; a function whose calls wait 20 ms need not poll every 2 ms.
     */
    private static final long MAX_PAUSED_POLL_FLOOR_NANOS = 20_000_000L;
    /**
     * The work a function buffers, in time: a slow function fetches about what its calls get through in this long,
     * so that a partition taken away (by a rebalance, a scale-up) is let go within about this long, and a crash
     * replays little. A fast one is bounded by max.buffered.records.
     */
    private static final long BUFFERED_WORK_NANOS = 200_000_000L;
    /** The fewest records a function buffers, whatever its calls take: half a poll's worth. */
    private static final int MIN_BUFFERED = 500;

    private final String function;
    private final Consumer<byte[], byte[]> consumer;
    private final Ledgers partitions;
    private final InFlightBudget budget;
    private final Ticker ticker;
    private final Duration pollTimeout;
    private final long pollTimeoutNanos;
    private final int maxBuffered;
    private final DoubleSupplier averageCallNanos;
    private final IntSupplier callsAtOnce;
    private long lastPoll;
    private long pausedPollNanos = MIN_PAUSED_POLL_NANOS;
    private long completedAtLastPoll;

    /**
     * @param averageCallNanos the handler's time per record (NaN before any call was timed)
     * @param callsAtOnce      how many calls run at once (the max concurrency, or the partitions' own lanes)
     */
    Fetcher(String function, Consumer<byte[], byte[]> consumer, Ledgers partitions, InFlightBudget budget,
            Ticker ticker, Duration pollTimeout, int maxBuffered, DoubleSupplier averageCallNanos,
            IntSupplier callsAtOnce) {
        this.function = function;
        this.consumer = consumer;
        this.partitions = partitions;
        this.budget = budget;
        this.ticker = ticker;
        this.pollTimeout = pollTimeout;
        this.pollTimeoutNanos = pollTimeout.toNanos();
        this.maxBuffered = maxBuffered;
        this.averageCallNanos = averageCallNanos;
        this.callsAtOnce = callsAtOnce;
        this.lastPoll = ticker.nanoTime();
    }

    /** The next records: waits for room in the budget, up to the poll timeout; empty when nothing was polled. */
    ConsumerRecords<byte[], byte[]> next() {
        budget.limit(bufferedWorkLimit());
        if (budget.full()) {
            budget.awaitRoom(lastPoll + pollTimeoutNanos);
        }
        if (budget.full() && ticker.nanoTime() - lastPoll < pollTimeoutNanos) {
            return ConsumerRecords.empty();
        }
        long progress = budget.completedCount();
        pausedPollNanos = progress != completedAtLastPoll ? pausedPollFloor()
                : Math.min(pausedPollNanos * 2, pollTimeoutNanos);
        completedAtLastPoll = progress;
        ConsumerRecords<byte[], byte[]> records;
        if (budget.full()) {
            // Polled only to stay in the group: nothing more is fetched until there is room.
            List<TopicPartition> held = partitions.hold();
            try {
                records = poll(Duration.ZERO);
            } finally {
                partitions.release(held);
            }
        } else if (partitions.anyPaused()) {
            // Kafka's consumer spins through the whole of a poll's wait while fetched records of a paused partition
            // sit in its buffer (KAFKA-21084): so it is asked without a wait, and the wait is here.
            records = poll(Duration.ZERO);
            if (records.isEmpty()) {
                budget.pause(ticker.nanoTime() + pausedPollNanos);
            }
        } else {
            records = poll(pollTimeout);
        }
        lastPoll = ticker.nanoTime();
        return records;
    }

    /** How long a poll waits while partitions are paused and calls complete: about one call's time, within bounds. */
    private long pausedPollFloor() {
        double call = averageCallNanos.getAsDouble();
        if (Double.isNaN(call)) {
            return MIN_PAUSED_POLL_NANOS;
        }
        return Math.min(Math.min(MAX_PAUSED_POLL_FLOOR_NANOS, pollTimeoutNanos),
                Math.max(MIN_PAUSED_POLL_NANOS, (long) call));
    }

    /** A short poll while every partition is paused (a transaction's barrier): it keeps the member in its group. */
    ConsumerRecords<byte[], byte[]> keepAlive() {
        return poll(Duration.ofNanos(MIN_PAUSED_POLL_NANOS));
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
            log.warn("Function '{}': Kafka did not answer the poll in time ({}); polling again", function,
                    e.getMessage());
            return ConsumerRecords.empty();
        }
    }

    /**
     * How many records to buffer: what the calls running at once get through in {@link #BUFFERED_WORK_NANOS}, from
     * the handler's average time per record (at least {@link #MIN_BUFFERED}; that many before any call is timed).
     */
    private int bufferedWorkLimit() {
        double call = averageCallNanos.getAsDouble();
        if (Double.isNaN(call)) {
            return MIN_BUFFERED;
        }
        double records = callsAtOnce.getAsInt() * (BUFFERED_WORK_NANOS / Math.max(call, 1.0));
        return (int) Math.max(MIN_BUFFERED, Math.min(maxBuffered, records));
    }
}
