package dev.eddy.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eddy.observability.EddyMeter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AdapterMetersTest {

    @Test
    void shouldRegisterTheCataloguedAdapterMetersTaggedWithTheAdapter() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AdapterMeters.register("mqtt", registry);
        Set<String> registered = new HashSet<>();
        for (Meter meter : registry.getMeters()) {
            String name = meter.getId().getName();
            if (name.endsWith(".percentile") || name.endsWith(".histogram")) {
                continue;
            }
            registered.add(name);
            assertEquals("mqtt", meter.getId().getTag("adapter"), name);
        }
        Set<String> catalogued = new HashSet<>();
        for (EddyMeter meter : EddyMeter.values()) {
            if (meter.component() == EddyMeter.Component.ADAPTER && meter != EddyMeter.ADAPTER_IN_FLIGHT) {
                catalogued.add(meter.meterName()); // the in-flight gauge is the publisher's own
            }
        }
        assertEquals(catalogued, registered);
    }
}
