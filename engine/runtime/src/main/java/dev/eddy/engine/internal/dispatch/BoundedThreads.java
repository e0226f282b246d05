package dev.eddy.engine.internal.dispatch;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs tasks in the order given on at most {@code bound} threads at once: the key lanes' tasks, within the function's
 * max concurrency. A thread that ends a task takes the next one waiting and ends only when none waits. So, with more
 * tasks than the bound, a task waits in a queue rather than on a parked thread of its own, and a call that ends hands
 * its place to the next without a thread ending, another starting and a third waking up: a virtual thread's start,
 * park and wake-up cost more CPU than an I/O-bound call's own work.
 *
 * <p>A task's interrupt (the watchdog's, of a call that timed out) does not outlive it: the thread's flag is cleared
 * before it takes the next task. A task that throws is reported to its thread's uncaught-exception handler, and the
 * thread goes on with the next.
 *
 * <p>Threading: {@link #execute} from any thread.
 */
final class BoundedThreads implements Executor {

    private final Executor threads;
    private final int bound;
    private final Queue<Runnable> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicInteger running = new AtomicInteger();

    /** @param threads starts each of this executor's threads (a virtual thread per task) */
    BoundedThreads(Executor threads, int bound) {
        if (bound < 1) {
            throw new IllegalArgumentException("bound must be at least 1, was " + bound);
        }
        this.threads = threads;
        this.bound = bound;
    }

    @Override
    public void execute(Runnable task) {
        waiting.add(task);
        if (claim()) {
            try {
                threads.execute(this::work);
            } catch (RejectedExecutionException e) {
                running.decrementAndGet();
                throw e;
            }
        }
    }

    /** How many threads run tasks now. */
    int running() {
        return running.get();
    }

    /** Counts one more thread running, if the bound allows. */
    private boolean claim() {
        for (int now = running.get(); now < bound; now = running.get()) {
            if (running.compareAndSet(now, now + 1)) {
                return true;
            }
        }
        return false;
    }

    private void work() {
        do {
            Runnable task;
            while ((task = waiting.poll()) != null) {
                try {
                    task.run();
                } catch (RuntimeException | Error e) {
                    Thread current = Thread.currentThread();
                    current.getUncaughtExceptionHandler().uncaughtException(current, e);
                } finally {
                    Thread.interrupted();
                }
            }
            running.decrementAndGet();
            // A task added after the last poll, while this thread still counted, started no thread: take it here.
        } while (!waiting.isEmpty() && claim());
    }
}
