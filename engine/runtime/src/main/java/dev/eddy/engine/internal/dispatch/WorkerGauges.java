package dev.eddy.engine.internal.dispatch;

import java.util.List;
import java.util.OptionalLong;
import java.util.function.IntSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * What a worker's gauges show: taken from the poll loop's own bookkeeping and the consumer at most once a second
 * (reading them costs the poll loop; a scrape costs it nothing), and the calls running now, counted from the lanes.
 *
 * <p>Threading: {@link #refresh} on the poll loop; the {@link FunctionMetrics.Live} methods on the scraping thread.
 */
final class WorkerGauges implements FunctionMetrics.Live {

    private static final long REFRESH_NANOS = 1_000_000_000L;

    private final InFlightBudget budget;
    private final Ledgers partitions;
    private final Consumer<byte[], byte[]> consumer;
    private final List<LaneRunner> runners;
    private final IntSupplier assignedPartitions;
    private final FunctionMetrics metrics;
    private volatile long inFlight;
    private volatile int paused;
    private volatile long lag;
    private long lastRefresh;

    WorkerGauges(InFlightBudget budget, Ledgers partitions, Consumer<byte[], byte[]> consumer,
            List<LaneRunner> runners, IntSupplier assignedPartitions, FunctionMetrics metrics) {
        this.budget = budget;
        this.partitions = partitions;
        this.consumer = consumer;
        this.runners = runners;
        this.assignedPartitions = assignedPartitions;
        this.metrics = metrics;
    }

    /** Takes the figures anew if a second has passed since the last time. */
    void refresh(long now) {
        if (now - lastRefresh < REFRESH_NANOS) {
            return;
        }
        lastRefresh = now;
        inFlight = budget.dispatchedCount() - budget.completedCount();
        paused = partitions.pausedCount();
        long behind = 0;
        for (TopicPartition partition : consumer.assignment()) {
            OptionalLong partitionLag = consumer.currentLag(partition);
            if (partitionLag.isPresent()) {
                behind += partitionLag.getAsLong();
            }
        }
        lag = behind;
    }

    @Override
    public long inFlight() {
        return inFlight;
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
        return assignedPartitions.getAsInt();
    }

    @Override
    public int pausedPartitions() {
        return paused;
    }

    @Override
    public long lag() {
        return lag;
    }

    @Override
    public double lagSeconds() {
        return lag > 0 ? metrics.lastEndToEndMillis / 1000.0 : 0;
    }
}
