package dev.eddy.loadtests;

import java.util.function.IntToLongFunction;

/**
 * Runs a baseline and Eddy in turn: one warm-up pair (the JIT, the broker's caches), then the measured pairs,
 * alternating which goes first so that neither always runs on a warmer machine.
 */
final class Runs {

    private static volatile long sink;

    private Runs() {
    }

    /**
     * @param baselineRun runs the baseline once for a run number and returns the nanoseconds it took
     * @param eddyRun     runs Eddy once for a run number and returns the nanoseconds it took
     */
    static void alternate(BenchContext context, long records, Throughput baseline, IntToLongFunction baselineRun,
            Throughput eddy, IntToLongFunction eddyRun) {
        context.progress("  warm-up");
        settle();
        baselineRun.applyAsLong(0);
        settle();
        eddyRun.applyAsLong(0);
        for (int run = 1; run <= context.runs(); run++) {
            if (run % 2 == 1) {
                settle();
                long c0 = cpu();
                baseline.add(records, baselineRun.applyAsLong(run));
                long c1 = cpu();
                settle();
                long c2 = cpu();
                eddy.add(records, eddyRun.applyAsLong(run));
                long c3 = cpu();
                System.out.printf("CPU s: baseline %.2f eddy %.2f%n", (c1-c0)/1e9, (c3-c2)/1e9);
            } else {
                settle();
                eddy.add(records, eddyRun.applyAsLong(run));
                settle();
                baseline.add(records, baselineRun.applyAsLong(run));
            }
            context.progress("  run %d of %d: baseline %,.0f records/s, Eddy %,.0f records/s", run, context.runs(),
                    baseline.last(), eddy.last());
        }
    }

    static long cpu() { return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime(); }

    /** Collects the previous run's garbage so that neither side pays for the other's. */
    private static void settle() {
        System.gc();
    }

    /** Keeps a computed value alive so that the JIT cannot drop the work that made it. */
    static void blackhole(long value) {
        sink += value;
    }
}
