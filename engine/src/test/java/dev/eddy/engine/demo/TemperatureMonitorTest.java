package dev.eddy.engine.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.sdk.Context;
import dev.eddy.sdk.Event;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TemperatureMonitorTest {

    private final TemperatureMonitor monitor = new TemperatureMonitor(75.0);
    private final List<String> emitted = new ArrayList<>();
    private final Context context = new Context() {
        @Override
        public String functionName() {
            return "temperature-monitor";
        }

        @Override
        public void emit(Event event) {
            emitted.add("default " + event.keyAsString() + " " + event.valueAsString());
        }

        @Override
        public void emit(String output, Event event) {
            emitted.add(output + " " + event.keyAsString() + " " + event.valueAsString());
        }
    };

    @Test
    void shouldCheckANormalReadingWithoutAlert() throws Exception {
        monitor.handle(Event.of("d-1", "{\"device\":\"d-1\",\"celsius\":20.0}"), context);
        assertEquals(List.of("default d-1 {\"device\":\"d-1\",\"celsius\":20.0,\"fahrenheit\":68.0,\"alert\":false}"),
                emitted);
    }

    @Test
    void shouldAlertAboveTheThreshold() throws Exception {
        monitor.handle(Event.of("d-2", "{\"device\":\"d-2\",\"celsius\":80.5}"), context);
        assertEquals(2, emitted.size());
        assertTrue(emitted.get(0).contains("\"alert\":true"), emitted.get(0));
        assertEquals("alerts d-2 {\"device\":\"d-2\",\"celsius\":80.5,\"threshold\":75.0}", emitted.get(1));
    }

    @Test
    void shouldRejectWhatIsNotAReading() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> monitor.handle(Event.of("d-3", "{\"device\":3}"), context));
        assertTrue(error.getMessage().contains("celsius"), error.getMessage());
        assertTrue(emitted.isEmpty());
    }
}
