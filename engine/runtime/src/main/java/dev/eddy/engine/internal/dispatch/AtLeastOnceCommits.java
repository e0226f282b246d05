package dev.eddy.engine.internal.dispatch;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At-least-once commits: the ledgers' committable offsets go to the group asynchronously on the commit interval,
 * and sooner when a budget's worth of records has completed (what a crash replays is what was in flight plus what
 * completed since the last commit, and at full speed an interval is a lot); early commits are spaced a little,
 * since each is a write to the group's offsets topic. Offsets of partitions let go are committed synchronously.
 *
 * <p>Threading: the poll loop's only; the commit callback runs inside {@code poll()}, on the same thread.
 */
final class AtLeastOnceCommits implements Commits {

    private static final Logger log = LoggerFactory.getLogger(AtLeastOnceCommits.class);
    static final long MIN_EARLY_COMMIT_GAP_NANOS = 50_000_000L;

    private final String function;
    private final Consumer<byte[], byte[]> consumer;
    private final Ledgers partitions;
    private final long intervalNanos;
    private final int earlyAfterRecords;
    private final Duration shutdownTimeout;
    private long lastCommit;
    /** Records completed since the last commit was sent. */
    private long uncommitted;

    AtLeastOnceCommits(String function, Consumer<byte[], byte[]> consumer, Ledgers partitions, long intervalNanos,
            int earlyAfterRecords, Duration shutdownTimeout, long now) {
        this.function = function;
        this.consumer = consumer;
        this.partitions = partitions;
        this.intervalNanos = intervalNanos;
        this.earlyAfterRecords = earlyAfterRecords;
        this.shutdownTimeout = shutdownTimeout;
        this.lastCommit = now;
    }

    @Override
    public void advanced(int records) {
        uncommitted += records;
    }

    @Override
    public void turn(long now) {
        long since = now - lastCommit;
        if (since >= intervalNanos || (uncommitted >= earlyAfterRecords && since >= MIN_EARLY_COMMIT_GAP_NANOS)) {
            lastCommit = now;
            uncommitted = 0;
            commitAsync();
        }
    }

    private void commitAsync() {
        Map<TopicPartition, OffsetAndMetadata> offsets = Ledgers.committable(partitions.all());
        if (offsets.isEmpty()) {
            return;
        }
        consumer.commitAsync(offsets, (committed, error) -> {
            if (error != null) {
                log.warn("Function '{}' could not commit offsets {}; will try again: {}", function, committed,
                        error.toString());
                partitions.commitFailed(offsets.keySet());
            }
        });
    }

    @Override
    public boolean holding() {
        return false;
    }

    @Override
    public boolean ready() {
        return true;
    }

    @Override
    public void release(boolean commit) {
        throw new IllegalStateException("at-least-once commits hold nothing");
    }

    @Override
    public Collection<PartitionState> drainSet(Collection<PartitionState> leaving) {
        return leaving;
    }

    @Override
    public void drained(Collection<PartitionState> ledgers, boolean abort, boolean workerFailed) {
        Map<TopicPartition, OffsetAndMetadata> offsets = Ledgers.committable(ledgers);
        if (offsets.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(offsets, shutdownTimeout);
        } catch (WakeupException e) {
            consumer.commitSync(offsets, shutdownTimeout); // close() woke the consumer; the commit still matters
        }
    }
}
