package dev.eddy.engine.state;

import java.util.List;
import java.util.Optional;

/** Reads a function's state from outside it (the admin API, {@code eddy state}), whichever engine owns the keys. */
public interface StateQuery extends AutoCloseable {

    /** The most keys one page may hold. */
    int MAX_PAGE = 1000;

    /** One key's state, if it has any. */
    Optional<KeyState> read(String key);

    /**
     * A page of the keys that have state, in the store's own order.
     *
     * @param cursor where the previous page ended, or null for the first
     */
    Page keys(String cursor, int limit);

    /** Keys, and the cursor of the next page (null after the last). */
    record Page(List<String> keys, String next) {
    }

    /**
     * Deletes every key's state of the function from the store (a function removed for good, a test, a benchmark).
     * The Kafka store's changelog topic is deleted with the topic instead.
     *
     * @return how many keys were deleted
     * @throws UnsupportedOperationException for the Kafka store
     */
    default long deleteAll() {
        throw new UnsupportedOperationException("delete the changelog topic to delete a Kafka store's state");
    }

    @Override
    void close();
}
