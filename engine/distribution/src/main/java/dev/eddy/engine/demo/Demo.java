package dev.eddy.engine.demo;

import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.FunctionStats;
import dev.eddy.engine.RunningFunction;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The whole pipeline on this machine: simulated devices → {@code iot.telemetry} → the temperature-monitor function
 * → {@code iot.readings} and {@code iot.alerts} → a downstream reader, with a live view and a closing summary.
 *
 * <p>{@link #run} blocks until the duration has passed or {@code stop} is counted down, then lets the pipeline
 * drain, and stops everything it started.
 */
public final class Demo {

    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);
    /**
     * The first seconds include JIT compilation, with every part of the pipeline on this machine at once, and the
     * backlog it builds takes seconds more to drain (measured: caught up 4-5 s in): the summary also gives the
     * latency of the readings sent after them.
     */
    static final double WARM_UP_SECONDS = 5;

    private final int devices;
    private final double ratePerSecond;
    private final DemoView view;
    private final Duration windowSize;
    private final boolean anomalyScoring;

    public Demo(int devices, double ratePerSecond, DemoView view) {
        this(devices, ratePerSecond, view, DeviceStats.DEFAULT_SIZE, false);
    }

    /**
     * @param windowSize     the windowed function's windows: each device's min/avg/max per this long
     * @param anomalyScoring whether to run the Python anomaly scoring too ({@link AnomalyScoring}), where it can
     */
    public Demo(int devices, double ratePerSecond, DemoView view, Duration windowSize, boolean anomalyScoring) {
        this.devices = devices;
        this.ratePerSecond = ratePerSecond;
        this.view = view;
        this.windowSize = windowSize;
        this.anomalyScoring = anomalyScoring;
    }

    /**
     * @param duration how long the devices send; null to run until {@code stop}
     * @param stop     counted down to end the run early (Ctrl-C)
     */
    public DemoSummary run(Duration duration, CountDownLatch stop) throws InterruptedException {
        PrintStream out = view.out();
        out.println("Starting a Kafka broker and the Eddy engine on this machine…");
        long bootStart = System.nanoTime();
        try (LocalPlatform platform = LocalPlatform.start(null, 0, new SimpleMeterRegistry())) {
            out.printf("Ready in %.1f s. Kafka at %s.%n%n", (System.nanoTime() - bootStart) / 1e9,
                    platform.bootstrapServers());
            DemoSummary summary;
            RunningFunction stats = deployDeviceStats(platform);
            java.util.Optional<AnomalyScoring> anomalies = anomalyScoring ? AnomalyScoring.start(platform, out)
                    : java.util.Optional.empty();
            try (CountedSources sources = CountedSources.start(platform, out);
                    OutputWatcher watcher = new OutputWatcher(platform.bootstrapServers(), LocalPlatform.READINGS,
                        LocalPlatform.ALERTS, LocalPlatform.DEVICE_STATS_TOPIC);
                    DeviceSimulator simulator = new DeviceSimulator(platform.bootstrapServers(),
                            LocalPlatform.TELEMETRY, devices, ratePerSecond)) {
                watcher.start();
                awaitAssignment(platform, stats);
                watcher.steadyFrom(System.currentTimeMillis() + (long) (WARM_UP_SECONDS * 1000));
                simulator.start();
                long start = System.nanoTime();
                long end = duration == null ? Long.MAX_VALUE : start + duration.toNanos();
                view.begin(devices, ratePerSecond);
                while (System.nanoTime() < end) {
                    long wait = Math.min(TimeUnit.SECONDS.toNanos(1), end - System.nanoTime());
                    if (stop.await(Math.max(wait, 0), TimeUnit.NANOSECONDS)) {
                        break;
                    }
                    double elapsed = (System.nanoTime() - start) / 1e9;
                    Histogram interval = watcher.latencySinceLastCall();
                    view.update(snapshot(simulator, platform, watcher), interval, watcher.latestAlerts(), elapsed,
                            sources.counts(), watcher.latestWindows());
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                view.draining();
                simulator.stop(Duration.ofSeconds(10));
                awaitDrained(simulator, platform, watcher);
                view.closingWindows(windowSize.plus(DeviceStats.GRACE));
                awaitWindowsClosed(platform, watcher);
                Snapshot last = snapshot(simulator, platform, watcher);
                Histogram latency = watcher.latencyOverall();
                Histogram afterWarmUp = watcher.latencyWhenWarm();
                summary = new DemoSummary(last.in, simulator.failed(), last.processed, last.failed, last.out,
                        last.alerts, percentileMillis(latency, 50), percentileMillis(latency, 99),
                        percentileMillis(afterWarmUp, 50), percentileMillis(afterWarmUp, 99), seconds,
                        watcher.windows(), watcher.windowedReadings(), windowSize);
                if (anomalies.isPresent()) {
                    anomalies.get().awaitScored(last.out);
                }
                view.summary(summary);
                anomalies.ifPresent(scoring -> scoring.summary(out, seconds));
                view.sources(sources.counts());
            }
            out.println("Stopping the engine and the Kafka broker…");
            return summary;
        }
    }

    /** The windowed function: each device's min/avg/max per window, from the monitor's checked readings. */
    private RunningFunction deployDeviceStats(LocalPlatform platform) {
        dev.eddy.engine.kafka.Topics.createIfMissing(platform.engine().admin(), LocalPlatform.DEVICE_STATS_TOPIC,
                LocalPlatform.PARTITIONS); // the engine's own admin client: not closed here
        return platform.engine().deploy(FunctionDefinition.builder(LocalPlatform.DEVICE_STATS)
                .input(LocalPlatform.READINGS).output(LocalPlatform.DEVICE_STATS_TOPIC)
                .windowed(new DeviceStats(windowSize)).build());
    }

    /**
     * The first readings should not wait for the functions to join their groups: that would be start-up, not
     * latency.
     */
    private static void awaitAssignment(LocalPlatform platform, RunningFunction stats) throws InterruptedException {
        long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
        while ((platform.monitor().assignedPartitions() < LocalPlatform.PARTITIONS
                || stats.state() != dev.eddy.engine.FunctionState.RUNNING) && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(20); // polling state owned by the function's poll loop
        }
    }

    private static void awaitDrained(DeviceSimulator simulator, LocalPlatform platform, OutputWatcher watcher)
            throws InterruptedException {
        long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Snapshot now = snapshot(simulator, platform, watcher);
            if (now.processed >= now.in && now.out >= now.processed - now.failed) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(50); // polling counters owned by other threads
        }
    }

    /**
     * The devices are quiet: their last windows close by the wall clock, a window, its grace and a moment after
     * the last reading. Waits until the closed windows hold every checked reading.
     */
    private void awaitWindowsClosed(LocalPlatform platform, OutputWatcher watcher) throws InterruptedException {
        long deadline = System.nanoTime() + windowSize.plus(DeviceStats.GRACE).plus(DRAIN_TIMEOUT).toNanos();
        while (watcher.windowedReadings() < platform.monitor().stats().processed() && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(50); // polling counters owned by other threads
        }
    }

    private static double percentileMillis(Histogram histogram, double percentile) {
        return histogram.getTotalCount() == 0 ? Double.NaN : histogram.getValueAtPercentile(percentile) / 1000.0;
    }

    private static Snapshot snapshot(DeviceSimulator simulator, LocalPlatform platform, OutputWatcher watcher) {
        FunctionStats stats = platform.monitor().stats();
        return new Snapshot(simulator.acknowledged(), stats.processed(), stats.failed(), watcher.readings(),
                watcher.alerts(), platform.monitor().handlerMillisAt(0.5), platform.monitor().handlerMillisAt(0.99));
    }

    /** The counters at one moment. */
    record Snapshot(long in, long processed, long failed, long out, long alerts, double handlerP50Millis,
            double handlerP99Millis) {
    }
}
