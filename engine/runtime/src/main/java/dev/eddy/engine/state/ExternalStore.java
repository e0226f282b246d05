package dev.eddy.engine.state;

import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;

/**
 * A store outside Kafka (Redis, PostgreSQL), shared by every engine (at-least-once only): a call reads its key's
 * state — from this engine's {@link StateCache} when it holds the key, else from the store — and its write is held
 * back until its emits are acknowledged, without holding up the key ({@link WriteBehind}); the call of a key that
 * others write too, and one made again, writes before it returns. Queries read the store itself.
 */
interface ExternalStore extends KeyedStore, StateQuery {

    /** What a write that is done when it returns answers. */
    CompletableFuture<Void> WRITTEN = CompletableFuture.completedFuture(null);

    /** The writes held back until their calls' emits are acknowledged, with the cache and key locks they share. */
    WriteBehind writeBehind();

    /** Every engine reads and writes the same keys: a write based on a stale read is refused. */
    @Override
    default KeyLocks keyLocks() {
        return writeBehind().keyLocks();
    }

    /** What this engine last read or wrote of each key. */
    default StateCache cache() {
        return writeBehind().cache();
    }

    /**
     * Writes the state now if the key is still at the version it was read at.
     *
     * @return whether it was written
     * @throws StateStoreException when the store cannot be reached
     */
    boolean write(String key, KeyState state);

    @Override
    default boolean defersWrites() {
        return true;
    }

    /**
     * Held back behind the key's earlier writes until the call's emits are acknowledged, when the call can be made
     * again (see {@link WriteBehind}); else written now, once the emits are.
     */
    @Override
    default CompletableFuture<Void> save(TopicPartition source, String key, byte[] recordKey, KeyState state,
            CompletableFuture<Void> emitted, Remake remake) {
        if (remake != null) {
            CompletableFuture<Void> held = writeBehind().save(key, state, emitted, remake);
            if (held != null) {
                return held;
            }
        }
        if (!WriteBehind.emitted(name(), emitted)) {
            return WRITTEN; // an emit failed: the record is dead-lettered (or the function stops), its state goes
        }
        return settle(name(), key, state, write(key, state));
    }

    /** The function whose state this is. */
    default String name() {
        return writeBehind().function();
    }

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
