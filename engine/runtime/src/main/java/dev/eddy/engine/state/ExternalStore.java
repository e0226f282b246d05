package dev.eddy.engine.state;

import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;

/**
 * A store outside Kafka (Redis, PostgreSQL), shared by every engine: a call reads its key's state — from this
 * engine's {@link StateCache} when it holds the key, else from the store — and writes before returning; queries
 * read the store itself.
 */
interface ExternalStore extends KeyedStore, StateQuery {

    /** What a write that is done when it returns answers. */
    CompletableFuture<Void> WRITTEN = CompletableFuture.completedFuture(null);

    /** Every engine reads and writes the same keys: a write based on a stale read is refused. */
    @Override
    KeyLocks keyLocks();

    /** What this engine last read or wrote of each key. */
    StateCache cache();

    @Override
    default KeyState load(TopicPartition source, String key) {
        KeyState cached = cache().get(key);
        if (cached != null) {
            return cached;
        }
        KeyState stored = read(key).orElseGet(KeyState::empty);
        cache().read(key, stored);
        return stored;
    }

    /**
     * What a call's write came to: kept in the cache when it applied; refused for a stale version, the key is
     * read from the store from now on and the call fails with {@link StateConflictException} (to be made again).
     */
    default CompletableFuture<Void> settle(String function, String key, KeyState state, boolean applied) {
        if (!applied) {
            cache().refused(key);
            throw new StateConflictException(function, key, state.version());
        }
        cache().wrote(key, state);
        return WRITTEN;
    }

    /** The keys of partitions given up will be written by their next owner: what is cached of them goes. */
    @Override
    default void revoked(Collection<TopicPartition> partitions) {
        if (!partitions.isEmpty()) {
            cache().clear();
        }
    }

    @Override
    void close();
}
