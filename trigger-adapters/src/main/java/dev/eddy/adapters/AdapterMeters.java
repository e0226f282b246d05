package dev.eddy.adapters;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** The meters every adapter's publisher keeps, tagged with the adapter. */
record AdapterMeters(Counter received, Counter published, Counter failed, Counter deadLettered, Timer latency) {

    static AdapterMeters register(String adapter, MeterRegistry meters) {
        return new AdapterMeters(
                Counter.builder("eddy.adapter.received").description("Events taken from the source")
                        .baseUnit("events").tag("adapter", adapter).register(meters),
                Counter.builder("eddy.adapter.published").description("Events Kafka acknowledged")
                        .baseUnit("events").tag("adapter", adapter).register(meters),
                Counter.builder("eddy.adapter.failed")
                        .description("Events Kafka did not take; the source is not told they were taken")
                        .baseUnit("events").tag("adapter", adapter).register(meters),
                Counter.builder("eddy.adapter.dead.lettered")
                        .description("Events that could not be read, kept in the adapter's dead-letter topic")
                        .baseUnit("events").tag("adapter", adapter).register(meters),
                Timer.builder("eddy.adapter.publish.latency")
                        .description("From publishing an event to Kafka's acknowledgement")
                        .publishPercentiles(0.5, 0.99).tag("adapter", adapter).register(meters));
    }
}
