package dev.eddy.engine.internal.dispatch;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * When a worker of a function that scales to zero lets go: after the function's idle time without records, counted
 * from its first assignment, and only while its function allows (it goes to zero with its last worker). It also
 * knows whether the worker was woken by a record, whose first records then measure the cold start, and where the
 * worker was in each partition when it let go (a record past one of those is one it has not seen).
 *
 * <p>Threading: the poll loop drives it; {@link #idled()}, {@link #idlePositions()} and the setters are read or
 * called from other threads.
 */
final class IdlePolicy {

    /** How long without records before the worker lets go; 0: never (the function does not scale to zero). */
    private final long idleAfterNanos;
    private volatile BooleanSupplier mayIdle = () -> true;
    /** When records last came or were in flight; from the first assignment on (poll loop only). */
    private long lastActivity;
    private boolean assignedOnce;
    private volatile boolean idled;
    private volatile Map<TopicPartition, Long> idlePositions = Map.of();
    private volatile boolean coldStart;

    /** @param idleAfter the function's idle time, or null when it does not scale to zero */
    IdlePolicy(Duration idleAfter) {
        this.idleAfterNanos = idleAfter == null ? 0 : idleAfter.toNanos();
    }

    /** Whether the function scales to zero at all. */
    boolean scalesToZero() {
        return idleAfterNanos > 0;
    }

    long idleAfterNanos() {
        return idleAfterNanos;
    }

    /** Partitions were assigned: the idle time counts from the first assignment. */
    void assigned(long now) {
        if (!assignedOnce) {
            assignedOnce = true;
            lastActivity = now;
        }
    }

    /**
     * Records came.
     *
     * @return true for the first records of a worker started by a record (a cold start, to measure)
     */
    boolean recordsCame(long now) {
        lastActivity = now;
        if (coldStart) {
            coldStart = false;
            return true;
        }
        return false;
    }

    /**
     * Whether the worker has had nothing to do for the idle time and may let go now.
     *
     * @param allDone whether every record handed out is complete
     * @param holding whether a transaction's barrier holds dispatch (never idle then)
     */
    boolean shouldLetGo(long now, boolean allDone, boolean holding) {
        if (idleAfterNanos == 0 || !assignedOnce || holding) {
            return false;
        }
        if (!allDone) {
            lastActivity = now;
            return false;
        }
        return now - lastActivity >= idleAfterNanos && mayIdle.getAsBoolean();
    }

    /** The worker lets go: notes where it was in each partition (past any transaction markers it has read). */
    void letGo(Consumer<byte[], byte[]> consumer) {
        Map<TopicPartition, Long> positions = new HashMap<>();
        for (TopicPartition partition : consumer.assignment()) {
            try {
                positions.put(partition, consumer.position(partition, Duration.ofSeconds(5)));
            } catch (RuntimeException e) {
                positions.put(partition, 0L); // unknown: any record there wakes the function
            }
        }
        idlePositions = positions;
        idled = true;
    }

    void onlyWhen(BooleanSupplier condition) {
        this.mayIdle = condition;
    }

    void coldStart() {
        coldStart = true;
    }

    boolean idled() {
        return idled;
    }

    Map<TopicPartition, Long> idlePositions() {
        return idlePositions;
    }
}
