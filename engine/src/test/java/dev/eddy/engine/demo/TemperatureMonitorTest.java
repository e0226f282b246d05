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
        assertEquals(List.of(new Checked("d-1", 20.0, 68.0, false)), tester.emitted(TemperatureMonitor.CHECKED));
        assertEquals("{\"device\":\"d-1\",\"celsius\":20.0,\"fahrenheit\":68.0,\"alert\":false}",
                tester.emitted("default").get(0).valueAsString(), "the JSON other tools read");
        assertTrue(tester.emitted(TemperatureMonitor.ALERTS).isEmpty());
    }

    @Test
    void shouldAlertAboveTheConfiguredThreshold() throws Exception {
        try (FunctionTester hot = FunctionTester.of(new TemperatureMonitor()).outputs("alerts")
                .config("threshold", "30")) {
            hot.send(Event.of("d-2", "{\"device\":\"d-2\",\"celsius\":31.5}"));
            assertEquals(List.of(new Alert("d-2", 31.5, 30.0)), hot.emitted(TemperatureMonitor.ALERTS));
            assertEquals("d-2", hot.emitted("alerts").get(0).keyAsString());
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
