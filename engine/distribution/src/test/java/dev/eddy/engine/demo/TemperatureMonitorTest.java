package dev.eddy.engine.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.engine.demo.TemperatureMonitor.Alert;
import dev.eddy.engine.demo.TemperatureMonitor.Checked;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.UndecodableEventException;
import dev.eddy.sdk.testing.FunctionTester;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TemperatureMonitorTest {

    private final FunctionTester tester = FunctionTester.of(new TemperatureMonitor()).outputs("alerts");

    @AfterEach
    void close() throws Exception {
        tester.close();
    }

    @Test
    void shouldCheckANormalReadingWithoutAlert() {
        tester.send(Event.of("d-1", "{\"device\":\"d-1\",\"celsius\":20.0}"));
        assertEquals(List.of(new Checked("d-1", 20.0, 68.0, 20.0, false)), tester.emitted(TemperatureMonitor.CHECKED));
        assertEquals("{\"device\":\"d-1\",\"celsius\":20.0,\"fahrenheit\":68.0,\"average\":20.0,\"alert\":false}",
                tester.emitted("default").get(0).valueAsString(), "the JSON other tools read");
        assertTrue(tester.emitted(TemperatureMonitor.ALERTS).isEmpty());
    }

    @Test
    void shouldAlertOnceWhenTheRollingAverageRisesAboveTheThreshold() throws Exception {
        try (FunctionTester hot = FunctionTester.of(new TemperatureMonitor()).outputs("alerts")
                .config("threshold", "30").config("window", "3")) {
            for (double celsius : new double[] {20, 40, 40, 41, 20, 20, 20, 45, 45}) {
                hot.send(Event.of("d-2", "{\"device\":\"d-2\",\"celsius\":" + celsius + "}"));
            }
            hot.send(Event.of("d-9", "{\"device\":\"d-9\",\"celsius\":45}")); // another device, its own average
            // Averages of the last three: 20, 30, 33.33 (alert), 40.33, 33.67, 27 (cleared), 20, 28.33, 36.67 (alert)
            assertEquals(List.of(new Alert("d-2", 33.33, 30.0), new Alert("d-2", 36.67, 30.0),
                    new Alert("d-9", 45.0, 30.0)), hot.emitted(TemperatureMonitor.ALERTS));
            assertEquals("d-2", hot.emitted("alerts").get(0).keyAsString());
            assertEquals(List.of(20.0, 45.0, 45.0), hot.state("d-2", TemperatureMonitor.RECENT).orElseThrow().celsius());
            hot.clock().advance(java.time.Duration.ofHours(2));
            assertTrue(hot.state("d-2", TemperatureMonitor.RECENT).isEmpty(), "a silent device is forgotten");
        }
    }

    @Test
    void shouldRefuseWhatIsNotAReadingAsUndecodable() {
        Throwable failure = tester.send(Event.of("d-3", "{\"device\":3}")).failure();
        UndecodableEventException error = assertInstanceOf(UndecodableEventException.class, failure);
        assertTrue(error.getMessage().contains("celsius"), error.getMessage());
        assertTrue(tester.emitted().isEmpty());
    }
}
