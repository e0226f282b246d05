package dev.eddy.engine.telemetry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One scrape of a Prometheus text endpoint (an engine's {@code /metrics}), read into samples, with what {@code
 * ./eddy top} computes from two of them: rates of counters and quantiles of histograms over the time between.
 */
public final class MetricsSnapshot {

    /** One sample: a metric's name, its labels and its value. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private final long nanos;
    private final List<Sample> samples;

    private MetricsSnapshot(long nanos, List<Sample> samples) {
        this.nanos = nanos;
        this.samples = samples;
    }

    /**
     * Reads Prometheus' text format (comments and malformed lines are skipped).
     *
     * @param nanos when it was taken ({@link System#nanoTime})
     */
    public static MetricsSnapshot parse(String text, long nanos) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Sample sample = sample(line.strip());
            if (sample != null) {
                samples.add(sample);
            }
        }
        return new MetricsSnapshot(nanos, samples);
    }

    private static Sample sample(String line) {
        int brace = line.indexOf('{');
        int space = line.lastIndexOf(' ');
        if (space < 0) {
            return null;
        }
        String name;
        Map<String, String> labels = new LinkedHashMap<>();
        if (brace >= 0 && brace < space) {
            name = line.substring(0, brace);
            int close = line.lastIndexOf('}');
            if (close < brace) {
                return null;
            }
            String body = line.substring(brace + 1, close);
            int i = 0;
            while (i < body.length()) {
                int equals = body.indexOf('=', i);
                if (equals < 0 || equals + 1 >= body.length() || body.charAt(equals + 1) != '"') {
                    break;
                }
                StringBuilder value = new StringBuilder();
                int j = equals + 2;
                for (; j < body.length() && body.charAt(j) != '"'; j++) {
                    char c = body.charAt(j);
                    if (c == '\\' && j + 1 < body.length()) {
                        char next = body.charAt(++j);
                        value.append(next == 'n' ? '\n' : next);
                    } else {
                        value.append(c);
                    }
                }
                labels.put(body.substring(i, equals).strip(), value.toString());
                i = j + 1;
                while (i < body.length() && (body.charAt(i) == ',' || body.charAt(i) == ' ')) {
                    i++;
                }
            }
        } else {
            name = line.substring(0, space);
        }
        try {
            return new Sample(name, labels, Double.parseDouble(line.substring(space + 1).strip()));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    public List<Sample> samples() {
        return samples;
    }

    /** The functions the snapshot has meters of, in order. */
    public List<String> functions() {
        return samples.stream().filter(s -> s.name().startsWith("eddy_") && s.labels().containsKey("function"))
                .map(s -> s.labels().get("function")).distinct().sorted().toList();
    }

    /** The sum of a metric's samples of a function whose labels include {@code match}. */
    public double sum(String name, String function, Map<String, String> match) {
        double sum = 0;
        for (Sample sample : samples) {
            if (sample.name().equals(name) && function.equals(sample.labels().get("function"))
                    && sample.labels().entrySet().containsAll(match.entrySet())) {
                sum += sample.value();
            }
        }
        return sum;
    }

    /** A counter's increase per second from {@code earlier} to this snapshot (0 after a reset). */
    public double rate(MetricsSnapshot earlier, String name, String function, Map<String, String> match) {
        double seconds = (nanos - earlier.nanos) / 1e9;
        double increase = sum(name, function, match) - earlier.sum(name, function, match);
        return seconds <= 0 || increase < 0 ? 0 : increase / seconds;
    }

    /**
     * A quantile of a histogram's observations between the two snapshots, as Prometheus' {@code histogram_quantile}
     * estimates it (linear within the bucket); NaN when nothing was observed.
     *
     * @param histogram the histogram's name without {@code _bucket}
     */
    public double quantile(MetricsSnapshot earlier, String histogram, String function, double quantile) {
        TreeMap<Double, Double> now = buckets(histogram, function);
        TreeMap<Double, Double> before = earlier.buckets(histogram, function);
        TreeMap<Double, Double> counts = new TreeMap<>();
        now.forEach((le, count) -> counts.put(le, count - before.getOrDefault(le, 0.0)));
        if (counts.isEmpty() || counts.lastEntry().getValue() <= 0) {
            return Double.NaN;
        }
        double rank = quantile * counts.lastEntry().getValue();
        double lowerBound = 0;
        double lowerCount = 0;
        for (Map.Entry<Double, Double> bucket : counts.entrySet()) {
            if (bucket.getValue() >= rank) {
                if (bucket.getKey().isInfinite()) {
                    return lowerBound;
                }
                double inBucket = bucket.getValue() - lowerCount;
                return inBucket <= 0 ? bucket.getKey()
                        : lowerBound + (bucket.getKey() - lowerBound) * (rank - lowerCount) / inBucket;
            }
            lowerBound = bucket.getKey();
            lowerCount = bucket.getValue();
        }
        return Double.NaN;
    }

    private TreeMap<Double, Double> buckets(String histogram, String function) {
        TreeMap<Double, Double> buckets = new TreeMap<>();
        for (Sample sample : samples) {
            if (sample.name().equals(histogram + "_bucket") && function.equals(sample.labels().get("function"))) {
                String le = sample.labels().get("le");
                double bound = "+Inf".equals(le) ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
                buckets.merge(bound, sample.value(), Double::sum);
            }
        }
        return buckets;
    }
}
