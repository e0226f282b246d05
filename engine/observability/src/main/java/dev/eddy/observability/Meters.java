package dev.eddy.observability;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.ToDoubleFunction;

/**
 * Registers meters of the {@link EddyMeter} catalogue: name, description and base unit come from it, and the tags
 * given must be the catalogued ones, so that nothing is registered that the docs and the dashboard do not know.
 */
public final class Meters {

    private Meters() {
    }

    public static Counter counter(MeterRegistry registry, EddyMeter meter, Tags tags) {
        expect(meter, EddyMeter.Kind.COUNTER, tags);
        return Counter.builder(meter.meterName()).description(meter.description()).baseUnit(meter.baseUnit())
                .tags(tags).register(registry);
    }

    public static <T> Gauge gauge(MeterRegistry registry, EddyMeter meter, Tags tags, T source,
            ToDoubleFunction<T> value) {
        expect(meter, EddyMeter.Kind.GAUGE, tags);
        return Gauge.builder(meter.meterName(), source, value).description(meter.description())
                .baseUnit(meter.baseUnit()).tags(tags).strongReference(true).register(registry);
    }

    /**
     * A timer published as a Prometheus histogram (buckets from {@code min} to {@code max}), and with p50 and p99
     * over the last few seconds kept in the process, for {@code ./eddy status}.
     */
    public static Timer timer(MeterRegistry registry, EddyMeter meter, Tags tags, Duration min, Duration max) {
        expect(meter, EddyMeter.Kind.TIMER, tags);
        return Timer.builder(meter.meterName()).description(meter.description()).tags(tags)
                .publishPercentileHistogram()
                .minimumExpectedValue(min)
                .maximumExpectedValue(max)
                .publishPercentiles(0.5, 0.99)
                .distributionStatisticExpiry(Duration.ofSeconds(10))
                .distributionStatisticBufferLength(2)
                .register(registry);
    }

    /**
     * A timer whose histogram has these buckets only (service-level objectives), for meters every function has:
     * a dozen series instead of the hundred-odd of Micrometer's percentile histogram, so that an engine with many
     * functions stays scrapeable; {@code histogram_quantile} reads it the same way, to the buckets' precision.
     */
    public static Timer timerWithBuckets(MeterRegistry registry, EddyMeter meter, Tags tags, Duration... buckets) {
        expect(meter, EddyMeter.Kind.TIMER, tags);
        return Timer.builder(meter.meterName()).description(meter.description()).tags(tags)
                .serviceLevelObjectives(buckets)
                .publishPercentiles(0.5, 0.99) // read in the process (./eddy status, the demo), not exported
                .distributionStatisticExpiry(Duration.ofSeconds(10))
                .distributionStatisticBufferLength(2)
                .register(registry);
    }

    private static void expect(EddyMeter meter, EddyMeter.Kind kind, Tags tags) {
        if (meter.kind() != kind) {
            throw new IllegalArgumentException(meter.meterName() + " is a " + meter.kind() + ", not a " + kind);
        }
        java.util.List<String> keys = tags.stream().map(io.micrometer.core.instrument.Tag::getKey).toList();
        if (!keys.equals(meter.tagKeys().stream().sorted().toList())) {
            throw new IllegalArgumentException(meter.meterName() + " is tagged " + meter.tagKeys() + ", not " + keys);
        }
    }
}
