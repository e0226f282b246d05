package dev.eddy.engine.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** The demo as a user runs it, briefly: its own broker, engine, devices and reader, and counts that add up. */
class DemoIT {

    @Test
    void shouldEndWithCountsThatAddUp() throws InterruptedException {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        DemoSummary summary;
        try (PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
            // Windows of 2 s, so that several close in a short run; the last ones close once the devices are quiet.
            summary = new Demo(50, 1000, new DemoView(out, false), Duration.ofSeconds(2), false)
                    .run(Duration.ofSeconds(5), new CountDownLatch(1));
        }
        String view = printed.toString(StandardCharsets.UTF_8);

        assertTrue(summary.in() >= 3000, "about 5 s at 1000 readings/s went in: " + summary);
        assertEquals(summary.in(), summary.processed(), summary.toString());
        assertEquals(summary.processed(), summary.out(), summary.toString());
        assertEquals(0, summary.failed() + summary.rejected(), summary.toString());
        assertTrue(summary.balanced());
        assertTrue(summary.windows() >= 50, "each device's windows closed: " + summary);
        assertEquals(summary.processed(), summary.windowedReadings(), "every checked reading in one window");
        assertTrue(view.contains("processed"), view);
        assertTrue(view.contains("Every reading that went in was processed and came out once, and counted in one"
                + " window."), view);
        assertTrue(view.contains("latest window: device-"), view);
    }
}
