package dev.eddy.loadtests;

import java.lang.management.ManagementFactory;
import java.util.function.IntConsumer;
import java.util.function.IntToLongFunction;

/**
 * Runs a baseline and Eddy in turn: warm-up pairs (the JIT, the broker's caches), then the measured pairs,
 * alternating which goes first so that neither always runs on a warmer machine.
 */
final class Runs {

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
        alternate(context, records, baseline, baselineRun, records, eddy, eddyRun);
    }

    /** As above, for sides that handle different numbers of records (a baseline measured on a sample). */
    static void alternate(BenchContext context, long baselineRecords, Throughput baseline,
            IntToLongFunction baselineRun, long eddyRecords, Throughput eddy, IntToLongFunction eddyRun) {
        alternate(context,
                run -> measure(context, baselineRecords, context.isMeasured(run) ? baseline : null, baselineRun,
                        run),
                run -> measure(context, eddyRecords, context.isMeasured(run) ? eddy : null, eddyRun, run));
    }

    /**
     * Runs both sides in turn, warm-ups first; each side gets a run number unique to the run and can tell a
     * measured run with {@link BenchContext#isMeasured}.
     */
    static void alternate(BenchContext context, IntConsumer baselineRun, IntConsumer eddyRun) {
        // Pairs run before measuring: the JIT needs a few runs to compile the dispatcher's paths.
        for (int warmUp = 1; warmUp <= context.warmUps(); warmUp++) {
            context.progress("  warm-up %d of %d", warmUp, context.warmUps());
            settle();
            baselineRun.accept(warmUp);
            settle();
            eddyRun.accept(warmUp);
        }
        for (int run = 1; run <= context.runs(); run++) {
            int id = context.warmUps() + run;
            settle();
            if (run % 2 == 1) {
                baselineRun.accept(id);
                settle();
                eddyRun.accept(id);
            } else {
                eddyRun.accept(id);
                settle();
                baselineRun.accept(id);
            }
            context.progress("  run %d of %d done", run, context.runs());
        }
    }

    private static void measure(BenchContext context, long records, Throughput side, IntToLongFunction run,
            int number) {
        long cpuBefore = processCpuNanos();
        long jitBefore = jitNanos();
        long nanos = run.applyAsLong(number);
        if (side != null) {
            long cpu = processCpuNanos() - cpuBefore;
            long jit = jitNanos() - jitBefore;
            side.add(records, nanos, cpu, jit);
            context.progress("    %-40s %,12.0f records/s  %6.2f CPU-s per million (JIT %.2f)", side.label(),
                    side.last(), cpu / 1e3 / records, jit / 1e3 / records);
        }
    }

    /**
     * CPU time of this whole process (broker included, the same for both sides), and of the child processes that
     * ended, in nanoseconds.
     */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() + childCpuNanos.get();
    }

    /** CPU time of child processes that a run started and stopped (a language function's). */
    private static final java.util.concurrent.atomic.AtomicLong childCpuNanos = new java.util.concurrent.atomic
            .AtomicLong();

    /** Counts the CPU time of this process's live children in the run's, before they stop. */
    static void countChildrenCpu() {
        ProcessHandle.current().descendants().forEach(child -> child.info().totalCpuDuration()
                .ifPresent(cpu -> childCpuNanos.addAndGet(cpu.toNanos())));
    }

    /**
     * Time the JIT compilers spent compiling in this process, in nanoseconds (the JVM's own account, in
     * milliseconds): part of the process's CPU, which a long-running engine spends once, not per record.
     */
    static long jitNanos() {
        java.lang.management.CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit == null || !jit.isCompilationTimeMonitoringSupported() ? 0
                : jit.getTotalCompilationTime() * 1_000_000;
    }

    /** Collects the previous run's garbage so that neither side pays for the other's. */
    private static void settle() {
        System.gc();
    }

    /** Keeps a computed value alive so that the JIT cannot drop the work that made it. */
    static void blackhole(long value) {
        sink += value;
    }

    /**
     * The CPU a side spent over its measured runs, per million records, for scenarios measured otherwise than by
     * {@link Throughput} (latencies, reaction times).
     */
    static final class Cpu {

        private long nanos;
        private long records;
        private volatile long started = -1;

        /** A measured run starts. */
        void start() {
            started = processCpuNanos();
        }

        /** The run started last ended, having handled this many records. */
        void stop(long handled) {
            nanos += processCpuNanos() - started;
            records += handled;
            started = -1;
        }

        /** Puts {@code cpu_seconds_per_million_records} into a side's figures (nothing before a measured run). */
        void into(java.util.Map<String, Object> figures) {
            into(figures, "cpu_seconds_per_million_records");
        }

        /** Puts the CPU seconds per million records under this name (nothing before a measured run). */
        void into(java.util.Map<String, Object> figures, String name) {
            if (records > 0) {
                figures.put(name, Math.round(nanos / 1e9 / (records / 1e6) * 100) / 100.0);
            }
        }
    }
}
