package dev.eddy.adapters;

import dev.eddy.observability.EddyMeter;
import dev.eddy.observability.Meters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/** The meters every adapter's publisher keeps, from the {@link EddyMeter} catalogue, tagged with the adapter. */
public record AdapterMeters(Counter received, Counter published, Counter failed, Counter deadLettered, Timer latency) {

    public static AdapterMeters register(String adapter, MeterRegistry meters) {
        Tags tags = Tags.of("adapter", adapter);
        return new AdapterMeters(
                Meters.counter(meters, EddyMeter.ADAPTER_RECEIVED, tags),
                Meters.counter(meters, EddyMeter.ADAPTER_PUBLISHED, tags),
                Meters.counter(meters, EddyMeter.ADAPTER_FAILED, tags),
                Meters.counter(meters, EddyMeter.ADAPTER_DEAD_LETTERED, tags),
                Meters.timer(meters, EddyMeter.ADAPTER_PUBLISH_LATENCY, tags, Duration.ofNanos(50_000),
                        Duration.ofMinutes(2)));
    }
}
