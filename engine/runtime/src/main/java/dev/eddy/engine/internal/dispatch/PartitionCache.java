package dev.eddy.engine.internal.dispatch;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

/**
 * A value made once per topic partition and read on every record: by topic, an array indexed by partition, each
 * array replaced whole and never changed, so that a read is one map lookup and one array read, without a lock.
 *
 * <p>Threading: read from any lane without a lock; a miss replaces the topic's array atomically.
 *
 * @param <T> the value
 */
final class PartitionCache<T> {

    private final Map<String, Object[]> byTopic = new ConcurrentHashMap<>();
    private final BiFunction<String, Integer, T> make;

    /** @param make makes the value of a topic partition (it may run more than once for one, racing) */
    PartitionCache(BiFunction<String, Integer, T> make) {
        this.make = make;
    }

    @SuppressWarnings("unchecked")
    T get(String topic, int partition) {
        Object[] known = byTopic.get(topic);
        if (known != null && partition < known.length && known[partition] != null) {
            return (T) known[partition];
        }
        T made = make.apply(topic, partition);
        byTopic.compute(topic, (t, old) -> {
            Object[] next = old == null ? new Object[partition + 1] : Arrays.copyOf(old, Math.max(old.length,
                    partition + 1));
            next[partition] = made;
            return next;
        });
        return made;
    }
}
