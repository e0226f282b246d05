package dev.eddy.engine.internal.dispatch;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;

/**
 * Starts each task on a virtual thread of its own, as {@code Executors.newThreadPerTaskExecutor} does, without
 * keeping the set of threads running that it keeps for {@code awaitTermination} (an insert and a removal in a
 * concurrent map a task, which a partition's lane pays for every chunk it starts on): nothing here waits for the
 * lanes' threads; the lanes count their own work. After {@link #shutdown} it refuses tasks.
 *
 * <p>Threading: any.
 */
final class LaneThreads implements Executor {

    private final String function;
    private final ThreadFactory factory;
    private volatile boolean shutdown;

    /** @param prefix the threads' names, numbered from 0 */
    LaneThreads(String function, String prefix) {
        this.function = function;
        this.factory = Thread.ofVirtual().name(prefix, 0).factory();
    }

    @Override
    public void execute(Runnable task) {
        if (shutdown) {
            throw new RejectedExecutionException("Function '" + function + "' is stopping: its lanes take no work");
        }
        factory.newThread(task).start();
    }

    /** Takes no more tasks; those running go on. */
    void shutdown() {
        shutdown = true;
    }
}
