package dev.eddy.engine.internal.dispatch;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Runs submitted work one item at a time, in submission order, on threads taken from an executor only while there
 * is work: a partition's chunks are handled in order without a thread of their own waiting between them.
 *
 * <p>Lanes that share a bounded executor (the key lanes, see {@link BoundedThreads}) take turns: a lane runs a few
 * items, then goes to the back of the executor's line if it has more, so that a busy lane does not keep a thread
 * while other lanes wait for one.
 *
 * <p>Threading: {@link #submit} may be called from any thread; at most one thread runs items at a time.
 */
final class SerialLane<T> implements Runnable {

    private final Queue<T> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Executor executor;
    private final Consumer<T> worker;
    private final int itemsPerTurn;

    /** A lane that keeps its thread while it has items. */
    SerialLane(Executor executor, Consumer<T> worker) {
        this(executor, worker, Integer.MAX_VALUE);
    }

    /** @param itemsPerTurn how many items the lane runs before it lets the executor's other work go first */
    SerialLane(Executor executor, Consumer<T> worker, int itemsPerTurn) {
        this.executor = executor;
        this.worker = worker;
        this.itemsPerTurn = itemsPerTurn;
    }

    void submit(T item) {
        queue.add(item);
        if (scheduled.compareAndSet(false, true)) {
            executor.execute(this);
        }
    }

    /** Goes to the back of the executor's line, still scheduled. */
    private void nextTurn() {
        try {
            executor.execute(this);
        } catch (RejectedExecutionException e) {
            // The executor stops (the function stops): what is left here does not run, as it would not have been
            // taken. Its records are not complete, so they are delivered again.
        }
    }

    @Override
    public void run() {
        while (true) {
            T item;
            int ran = 0;
            while ((item = queue.poll()) != null) {
                worker.accept(item);
                if (++ran == itemsPerTurn && !queue.isEmpty()) {
                    nextTurn();
                    return;
                }
            }
            scheduled.set(false);
            // An item submitted between the last poll and the reset found the lane scheduled and did not start it.
            if (queue.isEmpty() || !scheduled.compareAndSet(false, true)) {
                return;
            }
        }
    }
}
