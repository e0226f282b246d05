package dev.eddy.engine.state;

import dev.eddy.engine.metrics.EddyMeter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicLong;

/** The state meters of one function, from the {@link EddyMeter} catalogue. */
public final class StateMetrics {

    final Counter replaysSkipped;
    final Counter restored;
    final Counter expired;
    /** Changelog records left to restore. */
    final AtomicLong restoring = new AtomicLong();
    /** Keys held in memory. */
    final AtomicLong keys = new AtomicLong();

    public StateMetrics(MeterRegistry registry, String function) {
        replaysSkipped = counter(registry, EddyMeter.STATE_REPLAYS_SKIPPED, function);
        restored = counter(registry, EddyMeter.STATE_RESTORED, function);
        expired = counter(registry, EddyMeter.STATE_EXPIRED, function);
        gauge(registry, EddyMeter.STATE_RESTORING, function, restoring);
        gauge(registry, EddyMeter.STATE_KEYS, function, keys);
    }

    /** Meters that go nowhere, for stores opened outside a running function. */
    public static StateMetrics none() {
        return new StateMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), "none");
    }

    /** Counts a record whose changes the store already held. */
    public void replaySkipped() {
        replaysSkipped.increment();
    }

    public long replaysSkipped() {
        return (long) replaysSkipped.count();
    }

    public long restored() {
        return (long) restored.count();
    }

    public long expired() {
        return (long) expired.count();
    }

    private static Counter counter(MeterRegistry registry, EddyMeter meter, String function) {
        return Counter.builder(meter.meterName()).description(meter.description()).baseUnit(meter.baseUnit())
                .tag("function", function).register(registry);
    }

    private static void gauge(MeterRegistry registry, EddyMeter meter, String function, AtomicLong value) {
        Gauge.builder(meter.meterName(), value, AtomicLong::get).description(meter.description())
                .baseUnit(meter.baseUnit()).tag("function", function).register(registry);
    }
}
