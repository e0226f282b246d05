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

    Throughput(String label) {
        this.label = label;
    }

    void add(long records, long nanos) {
        double secs = nanos / 1e9;
        seconds.add(secs);
        recordsPerSecond.add(records / secs);
    }

    /** The last run's records per second. */
    double last() {
        return recordsPerSecond.get(recordsPerSecond.size() - 1);
    }

    double median() {
        return median(recordsPerSecond);
    }

    private static double median(List<Double> values) {
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
        return figures;
    }
}
