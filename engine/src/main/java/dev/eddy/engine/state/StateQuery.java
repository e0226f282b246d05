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

    @Override
    void close();
}
