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
}
