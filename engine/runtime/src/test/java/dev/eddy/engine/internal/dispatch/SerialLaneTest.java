package dev.eddy.engine.internal.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SerialLaneTest {

    @Test
    void shouldRunItemsOneAtATimeInSubmissionOrder() throws InterruptedException {
        int items = 20_000;
        List<Integer> seen = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger running = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(items);
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            SerialLane<Integer> lane = new SerialLane<>(threads, item -> {
                mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                seen.add(item);
                running.decrementAndGet();
                done.countDown();
            });
            for (int i = 0; i < items; i++) {
                lane.submit(i);
                if (i % 1000 == 0) {
                    Thread.yield(); // let the lane run dry now and then, so that it is restarted many times
                }
            }
            assertTrue(done.await(30, TimeUnit.SECONDS), "only " + (items - done.getCount()) + " items ran");
        }
        assertEquals(1, mostAtOnce.get());
        for (int i = 0; i < items; i++) {
            assertEquals(i, seen.get(i));
        }
    }

    @Test
    void shouldTakeTurnsWithOtherLanesOnABoundedExecutor() throws InterruptedException {
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(6);
        CountDownLatch holding = new CountDownLatch(1);
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            BoundedThreads one = new BoundedThreads(threads, 1);
            one.execute(() -> {
                try {
                    holding.await(); // the one thread waits until both lanes have all their items
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            SerialLane<String> a = new SerialLane<>(one, item -> {
                seen.add(item);
                done.countDown();
            }, 1);
            SerialLane<String> b = new SerialLane<>(one, item -> {
                seen.add(item);
                done.countDown();
            }, 1);
            for (int i = 1; i <= 3; i++) {
                a.submit("a" + i);
                b.submit("b" + i);
            }
            holding.countDown();
            assertTrue(done.await(10, TimeUnit.SECONDS), "only " + seen + " ran");
        }
        assertEquals(List.of("a1", "b1", "a2", "b2", "a3", "b3"), seen);
    }
}
