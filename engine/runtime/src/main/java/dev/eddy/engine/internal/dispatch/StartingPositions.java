package dev.eddy.engine.internal.dispatch;

import dev.eddy.engine.StartingPosition;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a function's consumer at its starting position on newly assigned partitions that have no committed offset,
 * and commits that position at once. {@code earliest} needs nothing (the consumer's {@code auto.offset.reset});
 * {@code latest} is resolved by the consumer the same way, a moment is looked up with {@code offsetsForTimes}.
 * Committing the position fixes it: a worker that stops before its first record does not leave its successor to
 * resolve "latest" again, later, skipping what came in between.
 *
 * <p>Threading: the poll loop's, inside the rebalance listener.
 */
final class StartingPositions {

    private static final Logger log = LoggerFactory.getLogger(StartingPositions.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private StartingPositions() {
    }

    /**
     * Seeks and commits the partitions without a committed offset; for {@code earliest}, does nothing. A failure to
     * ask Kafka is logged and leaves the consumer to its {@code auto.offset.reset}.
     *
     * @return the partitions it placed, with their positions
     */
    static Map<TopicPartition, Long> apply(Consumer<byte[], byte[]> consumer, StartingPosition position,
            Collection<TopicPartition> assigned) {
        if (position instanceof StartingPosition.Earliest || assigned.isEmpty()) {
            return Map.of();
        }
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(assigned), TIMEOUT);
            Set<TopicPartition> fresh = new HashSet<>();
            for (TopicPartition partition : assigned) {
                if (committed.get(partition) == null) {
                    fresh.add(partition);
                }
            }
            if (fresh.isEmpty()) {
                return Map.of();
            }
            if (position instanceof StartingPosition.At at) {
                seek(consumer, fresh, at);
            }
            Map<TopicPartition, OffsetAndMetadata> start = new HashMap<>();
            Map<TopicPartition, Long> placed = new HashMap<>();
            for (TopicPartition partition : fresh) {
                long offset = consumer.position(partition, TIMEOUT);
                start.put(partition, new OffsetAndMetadata(offset));
                placed.put(partition, offset);
            }
            consumer.commitSync(start, TIMEOUT);
            log.info("Starting at {} on {}: {}", position, fresh, placed);
            return placed;
        } catch (KafkaException e) {
            log.warn("Could not place the partitions {} at the starting position {} ({}); the consumer starts at"
                    + " its auto.offset.reset instead", assigned, position, e.toString());
            return Map.of();
        }
    }

    private static void seek(Consumer<byte[], byte[]> consumer, Set<TopicPartition> fresh, StartingPosition.At at) {
        Map<TopicPartition, Long> times = new HashMap<>();
        fresh.forEach(partition -> times.put(partition, at.timestamp().toEpochMilli()));
        Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(times, TIMEOUT);
        Set<TopicPartition> none = new HashSet<>();
        for (TopicPartition partition : fresh) {
            OffsetAndTimestamp offset = found.get(partition);
            if (offset == null) {
                none.add(partition); // nothing written at or after the moment yet: what comes next
            } else {
                consumer.seek(partition, offset.offset());
            }
        }
        if (!none.isEmpty()) {
            consumer.seekToEnd(none);
        }
    }
}
