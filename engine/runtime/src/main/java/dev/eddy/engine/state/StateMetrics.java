package dev.eddy.engine.state;

import dev.eddy.observability.EddyMeter;
import dev.eddy.observability.Meters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.concurrent.atomic.AtomicLong;

/** The state meters of one function, from the {@link EddyMeter} catalogue. */
public final class StateMetrics {

    final Counter replaysSkipped;
    final Counter conflicts;
    final Counter restored;
    final Counter expired;
    /** Changelog records left to restore. */
    final AtomicLong restoring = new AtomicLong();
    /** Keys held in memory. */
    final AtomicLong keys = new AtomicLong();

    /** @param tags the function's and its version's */
    public StateMetrics(MeterRegistry registry, Tags tags) {
        replaysSkipped = Meters.counter(registry, EddyMeter.STATE_REPLAYS_SKIPPED, tags);
        conflicts = Meters.counter(registry, EddyMeter.STATE_CONFLICTS, tags);
        restored = Meters.counter(registry, EddyMeter.STATE_RESTORED, tags);
        expired = Meters.counter(registry, EddyMeter.STATE_EXPIRED, tags);
        Meters.gauge(registry, EddyMeter.STATE_RESTORING, tags, restoring, AtomicLong::get);
        Meters.gauge(registry, EddyMeter.STATE_KEYS, tags, keys, AtomicLong::get);
    }

    /** Meters that go nowhere, for stores opened outside a running function. */
    public static StateMetrics none() {
        return new StateMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry(),
                Tags.of("function", "none", "version", "1"));
    }

    /** Counts a record whose changes the store already held. */
    public void replaySkipped() {
        replaysSkipped.increment();
    }

    /** Counts a call made again because its key's state changed while it ran. */
    public void conflict() {
        conflicts.increment();
    }

    public long conflicts() {
        return (long) conflicts.count();
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
}
