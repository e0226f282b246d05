package dev.eddy.engine.internal.dispatch;

import dev.eddy.engine.FailureReason;
import dev.eddy.engine.metrics.EddyMeter;
import dev.eddy.engine.state.StateMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The meters of one function, registered from the {@link EddyMeter} catalogue. */
public final class FunctionMetrics {

    final Counter received;
    final Counter succeeded;
    final Counter failed;
    final Counter emits;
    final Counter retries;
    final Counter partitionsRevoked;
    private final Map<FailureReason, Counter> deadLettered = new EnumMap<>(FailureReason.class);
    final Timer handlerDuration;
    /** The keyed-state meters (registered for every function; they stay at zero for one without state). */
    public final StateMetrics state;

    public FunctionMetrics(MeterRegistry registry, String function) {
        received = counter(registry, EddyMeter.RECORDS_RECEIVED, function, null, null);
        succeeded = counter(registry, EddyMeter.INVOCATIONS, function, "outcome", "success");
        failed = counter(registry, EddyMeter.INVOCATIONS, function, "outcome", "failure");
        emits = counter(registry, EddyMeter.EMITS, function, null, null);
        retries = counter(registry, EddyMeter.RETRIES, function, null, null);
        partitionsRevoked = counter(registry, EddyMeter.PARTITIONS_REVOKED, function, null, null);
        for (FailureReason reason : FailureReason.values()) {
            deadLettered.put(reason, counter(registry, EddyMeter.DEAD_LETTERED, function, "reason", reason.name()));
        }
        handlerDuration = Timer.builder(EddyMeter.HANDLER_DURATION.meterName())
                .description(EddyMeter.HANDLER_DURATION.description())
                .tag("function", function)
                .publishPercentiles(0.5, 0.99)
                .distributionStatisticExpiry(Duration.ofSeconds(10))
                .distributionStatisticBufferLength(2)
                .register(registry);
        state = new StateMetrics(registry, function);
    }

    /** A counter of the catalogue for the function, with one more tag unless {@code tag} is null. */
    private static Counter counter(MeterRegistry registry, EddyMeter meter, String function, String tag,
            String value) {
        Counter.Builder builder = Counter.builder(meter.meterName())
                .description(meter.description())
                .baseUnit(meter.baseUnit())
                .tag("function", function);
        if (tag != null) {
            builder.tag(tag, value);
        }
        return builder.register(registry);
    }

    Counter deadLettered(FailureReason reason) {
        return deadLettered.get(reason);
    }

    public long deadLettered() {
        return (long) deadLettered.values().stream().mapToDouble(Counter::count).sum();
    }

    public long partitionsRevoked() {
        return (long) partitionsRevoked.count();
    }

    public long retries() {
        return (long) retries.count();
    }

    public long received() {
        return (long) received.count();
    }

    public long succeeded() {
        return (long) succeeded.count();
    }

    public long failed() {
        return (long) failed.count();
    }

    public long emitted() {
        return (long) emits.count();
    }

    /** The handler time at a percentile over the last few seconds, in milliseconds; NaN before any call. */
    public double handlerMillisAt(double percentile) {
        for (ValueAtPercentile value : handlerDuration.takeSnapshot().percentileValues()) {
            if (value.percentile() == percentile) {
                return value.value(TimeUnit.NANOSECONDS) / 1e6;
            }
        }
        return Double.NaN;
    }
}
