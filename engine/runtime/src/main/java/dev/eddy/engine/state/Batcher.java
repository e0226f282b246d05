package dev.eddy.engine.state;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Requests of many calls sent to an external store together (group commit): a call queues its request and waits
 * for its answer; each of a few sender threads takes what is queued, up to a bound, and sends it in one round trip.
 * With one call at a time a batch holds one request and costs what a direct call does; under load a round trip
 * carries the requests that arrived during the previous one. Each request keeps its own answer — a refused write is
 * refused for its call alone.
 *
 * <p>Threading: {@link #call} from any thread (the calls' virtual threads); the senders are platform threads of
 * their own, started here and stopped by {@link #close}.
 *
 * @param <Q> a request
 * @param <A> its answer
 */
final class Batcher<Q, A> implements AutoCloseable {

    /** Sends a batch in one round trip. */
    interface Sender<Q, A> {
        /**
         * Answers each request, in order; a request that failed alone is answered by an exception in its place.
         *
         * @throws RuntimeException when the whole batch failed (the connection was lost): every request fails with it
         */
        List<?> send(List<Q> batch);
    }

    private record Request<Q, A>(Q query, CompletableFuture<A> answer) {
    }

    /** The most requests in a store's batch. */
    static final int MAX_BATCH = 512;
    /** The most batches of a store in flight at once, each on its own connection. */
    static final int MAX_SENDERS = 4;

    private final String function;
    private final LinkedBlockingQueue<Request<Q, A>> queue = new LinkedBlockingQueue<>();
    private final Sender<Q, A> sender;
    private final int maxBatch;
    private final List<Thread> senders = new ArrayList<>();
    private volatile boolean closed;

    /**
     * @param function the function whose store it serves, for errors
     * @param name     the senders' thread name
     * @param senders  how many batches may be in flight at once (each sender holds one connection)
     * @param maxBatch the most requests in one batch
     */
    Batcher(String function, String name, int senders, int maxBatch, Sender<Q, A> sender) {
        this.function = function;
        this.sender = sender;
        this.maxBatch = maxBatch;
        for (int i = 0; i < senders; i++) {
            Thread thread = Thread.ofPlatform().daemon().name(name + "-" + i).start(this::sendLoop);
            this.senders.add(thread);
        }
    }

    /** How many senders a store that may hold this many connections runs. */
    static int senders(int connections) {
        return Math.max(1, Math.min(connections, MAX_SENDERS));
    }

    /**
     * Sends the request with others and waits for its answer.
     *
     * @throws InterruptedException when the caller was interrupted while it waited (the request may still be sent)
     * @throws RuntimeException     what the store answered for this request, or why its batch failed
     */
    A call(Q query) throws InterruptedException {
        if (closed) {
            throw new IllegalStateException("the store is closed");
        }
        Request<Q, A> request = new Request<>(query, new CompletableFuture<>());
        queue.add(request);
        if (closed) {
            request.answer.completeExceptionally(new IllegalStateException("the store is closed"));
        }
        try {
            return request.answer.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** How many requests wait for a sender. */
    int queued() {
        return queue.size();
    }

    /**
     * {@link #call}, for a store: a closed store, or a call interrupted while it waited (past its timeout), fails
     * as the store's error.
     *
     * @param what what the call does, for the error: "cannot write the state of key 'k'"
     */
    A answer(Q query, String what) {
        try {
            return call(query);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateStoreException("Function '" + function + "' was interrupted: it " + what, e);
        } catch (IllegalStateException e) {
            throw new StateStoreException("Function '" + function + "' " + what + ": " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    private void sendLoop() {
        List<Request<Q, A>> batch = new ArrayList<>(maxBatch);
        List<Q> queries = new ArrayList<>(maxBatch);
        while (!closed) {
            try {
                Request<Q, A> first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, maxBatch - 1);
            } catch (InterruptedException e) {
                break;
            }
            for (Request<Q, A> request : batch) {
                queries.add(request.query);
            }
            try {
                List<?> answers = sender.send(queries);
                for (int i = 0; i < batch.size(); i++) {
                    Object answer = answers.get(i);
                    if (answer instanceof RuntimeException failure) {
                        batch.get(i).answer.completeExceptionally(failure);
                    } else {
                        batch.get(i).answer.complete((A) answer);
                    }
                }
            } catch (RuntimeException e) {
                batch.forEach(request -> request.answer.completeExceptionally(e));
            }
            batch.clear();
            queries.clear();
        }
        failQueued();
    }

    private void failQueued() {
        Request<Q, A> left;
        while ((left = queue.poll()) != null) {
            left.answer.completeExceptionally(new IllegalStateException("the store is closed"));
        }
    }

    /** Stops the senders after the batches in flight; requests still queued fail. */
    @Override
    public void close() {
        closed = true;
        for (Thread thread : senders) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        failQueued();
    }
}
