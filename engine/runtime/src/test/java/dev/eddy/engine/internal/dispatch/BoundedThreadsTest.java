package dev.eddy.engine.internal.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

class BoundedThreadsTest {

    @Test
    void shouldRunEveryTaskWithinTheBoundOnFewThreads() throws InterruptedException {
        int tasks = 20_000;
        int bound = 8;
        AtomicInteger running = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        AtomicInteger threadsStarted = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(tasks);
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            BoundedThreads bounded = new BoundedThreads(task -> {
                threadsStarted.incrementAndGet();
                threads.execute(task);
            }, bound);
            for (int i = 0; i < tasks; i++) {
                bounded.execute(() -> {
                    mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                    LockSupport.parkNanos(1_000); // a call that waits
                    running.decrementAndGet();
                    done.countDown();
                });
            }
            assertTrue(done.await(30, TimeUnit.SECONDS), "only " + (tasks - done.getCount()) + " tasks ran");
            awaitNoneRunning(bounded);
        }
        assertTrue(mostAtOnce.get() <= bound, mostAtOnce.get() + " tasks ran at once, with a bound of " + bound);
        // A thread per task would start 20,000; a thread ends only when it finds no task waiting.
        assertTrue(threadsStarted.get() < tasks / 4,
                threadsStarted.get() + " threads started for " + tasks + " tasks: a thread should take the next task");
    }

    @Test
    void shouldRunTasksInTheOrderGivenOnOneThread() throws InterruptedException {
        int tasks = 5_000;
        List<Integer> seen = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(tasks);
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            BoundedThreads bounded = new BoundedThreads(threads, 1);
            for (int i = 0; i < tasks; i++) {
                int item = i;
                bounded.execute(() -> {
                    seen.add(item);
                    done.countDown();
                });
                if (i % 500 == 0) {
                    Thread.yield(); // let the thread run dry now and then, so that one is started many times
                }
            }
            assertTrue(done.await(30, TimeUnit.SECONDS), "only " + (tasks - done.getCount()) + " tasks ran");
        }
        for (int i = 0; i < tasks; i++) {
            assertEquals(i, seen.get(i));
        }
    }

    @Test
    void shouldKeepATasksInterruptAndFailureToItself() throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        List<Boolean> nextSawInterrupt = new ArrayList<>();
        List<Throwable> reported = Collections.synchronizedList(new ArrayList<>());
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            BoundedThreads bounded = new BoundedThreads(task -> threads.execute(() -> {
                Thread.currentThread().setUncaughtExceptionHandler((thread, e) -> reported.add(e));
                task.run();
            }), 1);
            CountDownLatch holding = new CountDownLatch(1);
            // The first task holds the one thread until the others are queued behind it, so that one thread runs all.
            bounded.execute(() -> {
                awaitQuietly(holding);
                Thread.currentThread().interrupt(); // as the watchdog does to a call that timed out
            });
            bounded.execute(() -> {
                throw new IllegalStateException("a task that fails");
            });
            bounded.execute(() -> {
                nextSawInterrupt.add(Thread.currentThread().isInterrupted());
                done.countDown();
            });
            holding.countDown();
            assertTrue(done.await(10, TimeUnit.SECONDS), "the task after a failed one did not run");
            awaitNoneRunning(bounded);
        }
        assertEquals(List.of(false), nextSawInterrupt);
        assertEquals(1, reported.size());
        assertEquals("a task that fails", reported.get(0).getMessage());
    }

    private static void awaitNoneRunning(BoundedThreads bounded) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (bounded.running() > 0) {
            assertFalse(System.nanoTime() > deadline, bounded.running() + " threads still counted as running");
            Thread.yield();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
