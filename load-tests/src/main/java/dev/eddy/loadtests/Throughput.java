package dev.eddy.loadtests;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Records-per-second measurements over repeated runs, summarised by their median. */
final class Throughput {

    private final String label;
    private final List<Double> recordsPerSecond = new ArrayList<>();
    private final List<Double> seconds = new ArrayList<>();
    private final List<Double> cpuSecondsPerMillion = new ArrayList<>();
    private final List<Double> jitSecondsPerMillion = new ArrayList<>();

    Throughput(String label) {
        this.label = label;
    }

    /**
     * @param nanos    how long the run took, by the scenario's own clock
     * @param cpuNanos CPU time the whole process spent meanwhile (broker and clients included)
     * @param jitNanos of which the JIT compilers' time
     */
    void add(long records, long nanos, long cpuNanos, long jitNanos) {
        double secs = nanos / 1e9;
        seconds.add(secs);
        recordsPerSecond.add(records / secs);
        cpuSecondsPerMillion.add(cpuNanos / 1e9 / (records / 1e6));
        jitSecondsPerMillion.add(jitNanos / 1e9 / (records / 1e6));
    }

    String label() {
        return label;
    }

    /** The last run's records per second. */
    double last() {
        return recordsPerSecond.get(recordsPerSecond.size() - 1);
    }

    double median() {
        return median(recordsPerSecond);
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    Map<String, Object> figures() {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("what", label);
        figures.put("records_per_sec", Math.round(median()));
        figures.put("seconds", Math.round(median(seconds) * 1000) / 1000.0);
        figures.put("runs_records_per_sec", recordsPerSecond.stream().map(Math::round).toList());
        figures.put("cpu_seconds_per_million_records", Math.round(median(cpuSecondsPerMillion) * 100) / 100.0);
        figures.put("jit_seconds_per_million_records", Math.round(median(jitSecondsPerMillion) * 100) / 100.0);
        return figures;
    }
}
