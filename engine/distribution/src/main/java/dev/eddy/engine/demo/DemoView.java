package dev.eddy.engine.demo;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * The demo's terminal view: on a terminal, a block redrawn in place every second; otherwise (a pipe, a log file)
 * one plain line per second.
 */
public final class DemoView {

    private final PrintStream out;
    private final boolean redraw;
    private int drawnLines;
    private Demo.Snapshot previous;
    private double previousSeconds;

    /** @param redraw whether {@code out} is a terminal that understands ANSI cursor movement */
    public DemoView(PrintStream out, boolean redraw) {
        this.out = out;
        this.redraw = redraw;
    }

    PrintStream out() {
        return out;
    }

    void begin(int devices, double rate) {
        out.printf(Locale.ROOT, "%d simulated devices → %s → function %s → %s (+ alerts on %s)%n",
                devices, LocalPlatform.TELEMETRY, LocalPlatform.MONITOR, LocalPlatform.READINGS, LocalPlatform.ALERTS);
        out.printf(Locale.ROOT, "sending %,.0f readings/s; an alert is raised above %.0f °C. Ctrl-C stops.%n%n",
                rate, LocalPlatform.THRESHOLD_CELSIUS);
    }

    void update(Demo.Snapshot now, Histogram latency, List<String> alerts, double seconds,
            java.util.Map<String, Long> sources, List<String> windows) {
        double interval = previous == null ? seconds : seconds - previousSeconds;
        Demo.Snapshot before = previous == null ? new Demo.Snapshot(0, 0, 0, 0, 0, 0, 0) : previous;
        previous = now;
        previousSeconds = seconds;
        double inRate = (now.in() - before.in()) / interval;
        double processedRate = (now.processed() - before.processed()) / interval;
        double outRate = (now.out() - before.out()) / interval;
        String e2e = latency.getTotalCount() == 0 ? "-" : String.format(Locale.ROOT, "p50 %.1f ms  p99 %.1f ms",
                latency.getValueAtPercentile(50) / 1000.0, latency.getValueAtPercentile(99) / 1000.0);
        if (!redraw) {
            out.printf(Locale.ROOT, "%5.0fs  in %,7.0f/s  processed %,7.0f/s  out %,7.0f/s  handler p50 %.3f ms p99 %.3f ms"
                            + "  end-to-end %s  totals in %,d processed %,d out %,d alerts %,d errors %,d%s%n",
                    seconds, inRate, processedRate, outRate, now.handlerP50Millis(), now.handlerP99Millis(), e2e,
                    now.in(), now.processed(), now.out(), now.alerts(), now.failed(),
                    sources.isEmpty() ? "" : "  sources " + sourceCounts(sources));
            if (!windows.isEmpty()) {
                out.println("       latest window: " + windows.get(0));
            }
            return;
        }
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "  elapsed     %5.0f s", seconds));
        lines.add(String.format(Locale.ROOT, "  throughput  in %,8.0f/s    processed %,8.0f/s    out %,8.0f/s",
                inRate, processedRate, outRate));
        lines.add(String.format(Locale.ROOT, "  handler     p50 %.3f ms    p99 %.3f ms", now.handlerP50Millis(),
                now.handlerP99Millis()));
        lines.add(String.format(Locale.ROOT, "  end-to-end  %s   (reading sent → checked reading readable)", e2e));
        lines.add(String.format(Locale.ROOT, "  totals      in %,d   processed %,d   out %,d   alerts %,d   errors %,d",
                now.in(), now.processed(), now.out(), now.alerts(), now.failed()));
        lines.add(sources.isEmpty() ? "" : "  sources     " + sourceCounts(sources)
                + "  (events handled by " + CountedSources.COUNTER + ")");
        lines.add("  latest alerts:");
        for (int i = 0; i < 3; i++) {
            lines.add(i < alerts.size() ? "    " + alerts.get(i) : "");
        }
        lines.add("  latest windows (" + LocalPlatform.DEVICE_STATS + ": each device's min/avg/max):");
        for (int i = 0; i < 3; i++) {
            lines.add(i < windows.size() ? "    " + windows.get(i) : "");
        }
        StringBuilder frame = new StringBuilder();
        if (drawnLines > 0) {
            frame.append("\033[").append(drawnLines).append('A');
        }
        for (String line : lines) {
            frame.append("\033[2K").append(line).append('\n');
        }
        out.print(frame);
        out.flush();
        drawnLines = lines.size();
    }

    void draining() {
        out.println();
        out.println("Stopping the devices and letting the pipeline drain…");
    }

    void closingWindows(java.time.Duration within) {
        out.printf(Locale.ROOT, "The devices are quiet: their last windows close by the wall clock within %d s…%n",
                within.toSeconds() + 1);
    }

    void summary(DemoSummary summary) {
        out.println();
        out.printf(Locale.ROOT, "Summary of %.1f s%n", summary.seconds());
        out.printf(Locale.ROOT, "  in         %,10d readings acknowledged by Kafka%s%n", summary.in(),
                summary.rejected() == 0 ? "" : String.format(Locale.ROOT, " (%,d refused)", summary.rejected()));
        out.printf(Locale.ROOT, "  processed  %,10d by %s%n", summary.processed(), LocalPlatform.MONITOR);
        out.printf(Locale.ROOT, "  out        %,10d checked readings on %s%n", summary.out(), LocalPlatform.READINGS);
        out.printf(Locale.ROOT, "  alerts     %,10d on %s%n", summary.alerts(), LocalPlatform.ALERTS);
        out.printf(Locale.ROOT, "  windows    %,10d closed on %s (each device's min/avg/max per %d s), holding %,d"
                + " readings%n", summary.windows(), LocalPlatform.DEVICE_STATS_TOPIC, summary.windowSize().toSeconds(),
                summary.windowedReadings());
        out.printf(Locale.ROOT, "  errors     %,10d%n", summary.failed() + summary.rejected());
        if (Double.isNaN(summary.warmP99Millis())) {
            out.printf(Locale.ROOT, "  end-to-end latency p50 %.1f ms, p99 %.1f ms%n", summary.p50Millis(),
                    summary.p99Millis());
        } else {
            out.printf(Locale.ROOT, "  end-to-end latency p50 %.1f ms, p99 %.1f ms of the readings sent after the"
                            + " first %.0f s (whole run, JIT warm-up included: p50 %.1f ms, p99 %.1f ms)%n",
                    summary.warmP50Millis(), summary.warmP99Millis(), Demo.WARM_UP_SECONDS, summary.p50Millis(),
                    summary.p99Millis());
        }
        if (summary.balanced() && summary.windowsBalanced()) {
            out.println("  Every reading that went in was processed and came out once, and counted in one window.");
        } else if (summary.balanced()) {
            out.println("  Every reading that went in was processed and came out once; the windows closed hold "
                    + summary.windowedReadings() + " of them.");
        } else {
            out.println("  The counts differ: see " + System.getProperty("eddy.log.file", ".eddy/logs/demo.log")
                    + " for failures.");
        }
        out.println();
    }

    /** What the trigger adapters brought to the counting function, by source. */
    void sources(java.util.Map<String, Long> counts) {
        if (counts.isEmpty()) {
            return;
        }
        out.println("  sources    " + sourceCounts(counts) + "  (events handled by " + CountedSources.COUNTER + ")");
        out.println();
    }

    private static String sourceCounts(java.util.Map<String, Long> counts) {
        StringBuilder line = new StringBuilder();
        counts.forEach((name, count) -> line.append(String.format(Locale.ROOT, "%s %,d  ", name, count)));
        return line.toString().stripTrailing();
    }
}
