package dev.eddy.engine.scaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.engine.scaling.ScalingController.Decision;
import dev.eddy.engine.scaling.ScalingController.Sample;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ScalingControllerTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final long COOLDOWN = 30 * SECOND;

    /** A function's figures, second by second. */
    private static final class Clock {
        long now;
        long received;

        Sample next(long arrivedThisSecond, long lag, double callSeconds, int running) {
            now += SECOND;
            received += arrivedThisSecond;
            return new Sample(now, received, lag, callSeconds, running);
        }
    }

    @Test
    void shouldAddWorkersWithinOneSecondOfABurstAndShedThemOnlyAfterTheCooldown() {
        ScalingController controller = new ScalingController(0, 10, 4, COOLDOWN);
        Clock clock = new Clock();
        controller.update(clock.next(0, 0, Double.NaN, 0));
        // 20,000 records waiting at 2 ms a call: 1.25 × 20,000 × 0.002 / 10 = 5 calls → 2 workers of 4.
        Decision burst = controller.update(clock.next(0, 20_000, 0.002, 0));
        assertEquals(2, burst.workers(), burst.reason());
        assertTrue(burst.reason().startsWith("up:"), burst.reason());
        // Arriving at 8,000/s at 2 ms while the backlog drains: 1.25 × (16 + 2) = 22.5 calls → 6 workers.
        assertEquals(6, controller.update(clock.next(8_000, 10_000, 0.002, 8)).workers());
        // The burst is over: nothing for less than the cooldown keeps the workers.
        for (int second = 0; second < 28; second++) {
            assertEquals(6, controller.update(clock.next(0, 0, 0.002, 0)).workers(), "second " + second);
        }
        int after = 0;
        for (int second = 0; second < 5; second++) {
            after = controller.update(clock.next(0, 0, 0.002, 0)).workers();
        }
        assertEquals(0, after, "a function that scales to zero falls to zero once idle for the cooldown");
    }

    @Test
    void shouldNotFlapWhenTheLoadComesAndGoesWithinTheCooldown() {
        ScalingController controller = new ScalingController(1, 10, 2, COOLDOWN);
        Clock clock = new Clock();
        controller.update(clock.next(0, 0, Double.NaN, 0));
        int changes = 0;
        int last = controller.current().workers();
        for (int second = 0; second < 120; second++) {
            boolean busy = second % 10 < 5;
            int workers = controller.update(busy ? clock.next(2_000, 500, 0.004, 2) : clock.next(0, 0, 0.004, 0))
                    .workers();
            if (workers != last) {
                changes++;
                last = workers;
            }
        }
        assertEquals(1, changes, "up once for the first burst, then held through the lulls");
        assertTrue(last > 1);
    }

    @Test
    void shouldAskForOneMoreWorkerWhenEveryCallSlotIsBusyAndRecordsWaitAndStayWithinBounds() {
        ScalingController controller = new ScalingController(1, 3, 5, COOLDOWN);
        Clock clock = new Clock();
        controller.update(clock.next(0, 0, Double.NaN, 0));
        // Few records a second, but slow calls fill the one worker's 5 slots with records behind them.
        assertEquals(2, controller.update(clock.next(10, 40, 0.001, 5)).workers());
        assertEquals(3, controller.update(clock.next(10, 40, 0.001, 10)).workers());
        assertEquals(3, controller.update(clock.next(1_000_000, 1_000_000, 0.1, 15)).workers(), "at most max");
    }
}
