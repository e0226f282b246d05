package dev.eddy.engine.state;

import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;

/**
 * A function's keyed state as one engine running it sees it: loaded before a call, saved after one that changed
 * it. The dispatcher runs a partition's records of one key one after the other, and the fences in each
 * {@link KeyState} keep a record that is delivered again from being applied twice. Records of one key from
 * different partitions (several inputs, or the replay topic) may run at once: a store that others share refuses a
 * write based on a state that changed meanwhile ({@link #keyLocks}).
 *
 * <p>Threading: {@link #load} and {@link #save} run on the lanes, for different keys concurrently; the other
 * methods on the function's poll thread.
 */
public interface KeyedStore extends AutoCloseable {

    /** A key's state as last saved (empty when it has none); {@code source} is the partition its record is from. */
    KeyState load(TopicPartition source, String key);

    /**
     * Makes a call again, on what the store holds now, its state written before it returns: what a store that
     * {@link #defersWrites} asks when a write it held back was refused.
     */
    @FunctionalInterface
    interface Remake {
        void run() throws Exception;
    }

    /**
     * Saves a key's state (deletes it when empty), unless the store holds a later fence for it already.
     *
     * @param key     the store key ({@link dev.eddy.sdk.runtime.CallState#storeKey}) of {@code recordKey}, the record's
     *                own key
     * @param emitted completes when Kafka has acknowledged what the call emitted, or null when there is nothing to
     *                wait for; only a store that {@link #defersWrites} takes one. The state must not be durable
     *                before the outputs: a record whose state is durable is not handled again after a crash.
     * @param remake  makes the call again, for an external store whose held-back write was refused; null to have
     *                the write made before this returns (a conflict is then thrown)
     * @return completes when the write is durable (for the Kafka store, when Kafka acknowledged it), or its call was
     *         made again
     * @throws StateConflictException when the key's state changed since {@code state} was read (only a store with
     *                                {@link #keyLocks}): nothing was written
     * @throws StateStoreException    when the state cannot be written; the call counts as failed
     */
    CompletableFuture<Void> save(TopicPartition source, String key, byte[] recordKey, KeyState state,
            CompletableFuture<Void> emitted, Remake remake);

    /**
     * Whether the store can hold a write back until the call's outputs are acknowledged without holding up the key
     * (its next call reads the state from memory): then the caller need not wait for them before saving.
     */
    default boolean defersWrites() {
        return false;
    }

    /**
     * The locks on which this engine's calls of one key take turns, for a store whose write can be refused because
     * the key's state changed since it was read — a record of the same key from another partition wrote first, on
     * another engine — so that the caller reads it again and makes the call again. Null for a store whose keys are
     * each kept by one partition's owner (the Kafka store), which never refuses.
     */
    default KeyLocks keyLocks() {
        return null;
    }

    /** Partitions given to this engine: their state is made ready before their first record. */
    default void assigned(Collection<TopicPartition> partitions) {
    }

    /** Partitions taken away: their state is no longer this engine's to keep. */
    default void revoked(Collection<TopicPartition> partitions) {
    }

    /** The open transaction was aborted: what this engine holds of its writes is forgotten and read again. */
    default void aborted() {
    }

    /**
     * Removes what expired by now from the store.
     *
     * @return how many keys it changed or deleted
     */
    int sweep(long nowMillis);

    @Override
    void close();
}
