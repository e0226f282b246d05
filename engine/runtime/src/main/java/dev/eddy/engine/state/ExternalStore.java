package dev.eddy.engine.state;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;

/**
 * A store outside Kafka (Redis, PostgreSQL), shared by every engine: a call reads its key's state from it and
 * writes before returning, and queries read the same place.
 */
interface ExternalStore extends KeyedStore, StateQuery {

    /** What a write that is done when it returns answers. */
    CompletableFuture<Void> WRITTEN = CompletableFuture.completedFuture(null);

    /** Every engine reads and writes the same keys: a write based on a stale read is refused. */
    @Override
    KeyLocks keyLocks();

    @Override
    default KeyState load(TopicPartition source, String key) {
        return read(key).orElseGet(KeyState::empty);
    }

    @Override
    void close();
}
