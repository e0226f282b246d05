package dev.eddy.engine.demo;

import dev.eddy.sdk.Codec;
import dev.eddy.sdk.window.Aggregate;
import dev.eddy.sdk.window.Stats;
import dev.eddy.sdk.window.Window;
import dev.eddy.sdk.window.WindowResult;
import dev.eddy.sdk.window.WindowedFunction;
import java.time.Duration;

/**
 * The demo's windowed function: each device's min/avg/max temperature per window (10 s unless told), from the
 * temperature monitor's checked readings (keyed by device), emitted once per device and window.
 */
public final class DeviceStats implements WindowedFunction<TemperatureMonitor.Checked, Stats, WindowResult<Stats>> {

    public static final Duration DEFAULT_SIZE = Duration.ofSeconds(10);
    public static final Duration GRACE = Duration.ofSeconds(2);

    private final Duration size;

    public DeviceStats() {
        this(DEFAULT_SIZE);
    }

    public DeviceStats(Duration size) {
        this.size = size;
    }

    @Override
    public Codec<TemperatureMonitor.Checked> input() {
        return Codec.json(TemperatureMonitor.Checked.class);
    }

    @Override
    public Window window() {
        return Window.tumbling(size).grace(GRACE);
    }

    @Override
    public Aggregate<TemperatureMonitor.Checked, Stats> aggregate() {
        return Aggregate.stats(TemperatureMonitor.Checked::celsius);
    }
}
