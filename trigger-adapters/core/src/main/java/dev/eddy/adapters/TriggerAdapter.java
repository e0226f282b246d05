package dev.eddy.adapters;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A running trigger adapter: what keeps it from taking events (for a readiness probe), and whether it stopped by
 * itself for good. Closing it stops it; closing is idempotent.
 */
public interface TriggerAdapter extends AutoCloseable {

    /** What keeps the adapter from taking events now, a line each; none when it is ready. */
    List<String> problems();

    /**
     * Completes, with the cause, when the adapter stopped by itself and will not go on (its source gone for good, its
     * producer fenced); never completes while it runs or once it was closed.
     */
    default CompletableFuture<Throwable> failed() {
        return new CompletableFuture<>();
    }

    @Override
    void close();
}
