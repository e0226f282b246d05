package dev.eddy.engine.internal.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WatchdogTest {

    @Test
    void aCallTimedOutIsInterruptedAndItsStackKeptForTheLog() throws Exception {
        CallWatch watch = new CallWatch();
        CountDownLatch interrupted = new CountDownLatch(1);
        CountDownLatch inCall = new CountDownLatch(1);
        Thread lane = Thread.ofVirtual().start(() -> {
            watch.onThread();
            watch.callStarted();
            inCall.countDown();
            try {
                new CountDownLatch(1).await(); // a handler that never returns by itself
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
        });
        assertTrue(inCall.await(10, TimeUnit.SECONDS));
        Watchdog watchdog = new Watchdog("f", Duration.ofSeconds(1), () -> List.of(watch));
        for (int round = 0; round < 5 && interrupted.getCount() > 0; round++) {
            // Wait until the lane is parked in the call, so that its stack shows where.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (lane.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            watchdog.run();
        }
        assertTrue(interrupted.await(10, TimeUnit.SECONDS), "the call was interrupted after a timeout of rounds");
        String where = Watchdog.where(watch.stackAtTimeout());
        assertTrue(where.contains("CountDownLatch.await"), where);
        lane.join();
    }

    @Test
    void theStackShownIsBounded() {
        StackTraceElement[] deep = new StackTraceElement[30];
        for (int i = 0; i < deep.length; i++) {
            deep[i] = new StackTraceElement("a.B", "m" + i, "B.java", i);
        }
        String where = Watchdog.where(deep);
        assertEquals(25, where.lines().count() - 1, where); // a leading newline, 24 frames and "6 more"
        assertTrue(where.endsWith("... 6 more"), where);
        assertEquals(" (no stack)", Watchdog.where(new StackTraceElement[0]));
    }
}
