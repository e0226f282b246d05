package dev.eddy.loadtests;

import java.lang.management.ManagementFactory;
import java.util.function.IntToLongFunction;

/**
 * Runs a baseline and Eddy in turn: warm-up pairs (the JIT, the broker's caches), then the measured pairs,
 * alternating which goes first so that neither always runs on a warmer machine.
 */
final class Runs {

    /** Pairs run before measuring: the JIT needs a few runs to compile the dispatcher's paths. */
    static final int WARM_UP_PAIRS = 2;

    private static volatile long sink;

    private Runs() {
    }

    /**
     * @param baselineRun runs the baseline once and returns the nanoseconds it took; it gets a number unique to the
     *                    run, for fresh consumer groups and topics
     * @param eddyRun     runs Eddy once, likewise
     */
    static void alternate(BenchContext context, long records, Throughput baseline, IntToLongFunction baselineRun,
            Throughput eddy, IntToLongFunction eddyRun) {
        for (int warmUp = 1; warmUp <= WARM_UP_PAIRS; warmUp++) {
            context.progress("  warm-up %d of %d", warmUp, WARM_UP_PAIRS);
            settle();
            baselineRun.applyAsLong(warmUp);
            settle();
            eddyRun.applyAsLong(warmUp);
        }
        for (int run = 1; run <= context.runs(); run++) {
            int id = WARM_UP_PAIRS + run;
            if (run % 2 == 1) {
                measure(records, baseline, baselineRun, id);
                measure(records, eddy, eddyRun, id);
            } else {
                measure(records, eddy, eddyRun, id);
                measure(records, baseline, baselineRun, id);
            }
            context.progress("  run %d of %d: baseline %,.0f records/s, Eddy %,.0f records/s", run, context.runs(),
                    baseline.last(), eddy.last());
        }
    }

    private static void measure(long records, Throughput side, IntToLongFunction run, int number) {
        settle();
        long cpuBefore = processCpuNanos();
        long nanos = run.applyAsLong(number);
        side.add(records, nanos, processCpuNanos() - cpuBefore);
    }

    /** CPU time of this whole process (broker included, the same for both sides), in nanoseconds. */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** Collects the previous run's garbage so that neither side pays for the other's. */
    private static void settle() {
        System.gc();
    }

    /** Keeps a computed value alive so that the JIT cannot drop the work that made it. */
    static void blackhole(long value) {
        sink += value;
    }
}
