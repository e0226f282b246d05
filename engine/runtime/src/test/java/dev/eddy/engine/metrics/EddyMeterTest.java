package dev.eddy.engine.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.engine.internal.dispatch.FunctionMetrics;
import dev.eddy.observability.EddyMeter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EddyMeterTest {

    @Test
    void shouldRegisterEveryCataloguedMeterAndNothingElse() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new FunctionMetrics(registry, "f");

        Set<String> registered = new HashSet<>();
        for (Meter meter : registry.getMeters()) {
            if (isDerived(meter)) {
                continue;
            }
            registered.add(meter.getId().getName());
            assertTrue(meter.getId().getName().startsWith("eddy."), meter.getId().getName());
            assertFalse(meter.getId().getDescription() == null || meter.getId().getDescription().isBlank(),
                    meter.getId().getName() + " has no description");
        }
        Set<String> catalogued = new HashSet<>();
        for (EddyMeter meter : EddyMeter.values()) {
            if (meter.component() == EddyMeter.Component.ENGINE
                    && !FunctionMetrics.REGISTERED_ON_FIRST_USE.contains(meter)) {
                catalogued.add(meter.meterName());
            }
        }
        assertEquals(catalogued, registered, "a function's meters at its start: all but those registered on first"
                + " use, " + FunctionMetrics.REGISTERED_ON_FIRST_USE);
    }

    /** The percentile gauges Micrometer adds to a timer, named after it. */
    private static boolean isDerived(Meter meter) {
        return meter.getId().getName().endsWith(".percentile") || meter.getId().getName().endsWith(".histogram");
    }

    @Test
    void shouldTagOnlyWithTheCataloguedKeys() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new FunctionMetrics(registry, "f");
        for (EddyMeter meter : EddyMeter.values()) {
            for (Meter registered : registry.find(meter.meterName()).meters()) {
                if (isDerived(registered)) {
                    continue;
                }
                Set<String> keys = new HashSet<>();
                registered.getId().getTags().forEach(tag -> keys.add(tag.getKey()));
                assertEquals(Set.copyOf(meter.tagKeys()), keys, meter.meterName());
            }
        }
    }
}
