package dev.eddy.adapters;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** An adapter whose readiness and failure are those of the publisher it writes through (HTTP, log files). */
public abstract class PublishingAdapter implements TriggerAdapter {

    /** Where the adapter's events go, in transactions with the adapter's own progress. */
    protected final AtomicPublisher publisher;

    protected PublishingAdapter(AtomicPublisher publisher) {
        this.publisher = publisher;
    }

    @Override
    public List<String> problems() {
        return publisher.problems();
    }

    @Override
    public CompletableFuture<Throwable> failed() {
        return publisher.failed();
    }
}
