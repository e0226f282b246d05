package dev.eddy.engine.internal.windows;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;

/**
 * How far behind a worker's consumer is in each input partition, from the consumer's own {@code records-lag}
 * metric (updated at each fetch), read at most every {@link #REFRESH_NANOS}: a partition is caught up when every
 * input topic's partition of that number has no lag. One whose lag is not known yet (not fetched since assigned)
 * is not.
 *
 * <p>Threading: read from the worker's stream threads; a stale read is harmless (a window closes a moment later).
 */
final class InputLags {

    static final long REFRESH_NANOS = 100_000_000;

    private final Set<String> inputs;
    private final Supplier<Map<MetricName, ? extends Metric>> metrics;
    private volatile Map<TopicPartition, Double> lags = Map.of();
    private volatile long readAt = Long.MIN_VALUE / 2;

    /** @param metrics the worker's Kafka Streams metrics ({@code KafkaStreams::metrics}) */
    InputLags(Set<String> inputs, Supplier<Map<MetricName, ? extends Metric>> metrics) {
        this.inputs = Set.copyOf(inputs);
        this.metrics = metrics;
    }

    /** Whether every input's partition of this number has been read to its end, as of the last fetch. */
    boolean caughtUp(int partition) {
        Map<TopicPartition, Double> now = current();
        for (String input : inputs) {
            Double lag = now.get(new TopicPartition(input, partition));
            if (lag == null || !(lag <= 0)) {
                return false;
            }
        }
        return true;
    }

    /** The records the worker has yet to read, over its input partitions, as of the last fetch. */
    long total() {
        double total = 0;
        for (double lag : current().values()) {
            total += lag > 0 ? lag : 0;
        }
        return (long) total;
    }

    private Map<TopicPartition, Double> current() {
        long nanos = System.nanoTime();
        if (nanos - readAt < REFRESH_NANOS) {
            return lags;
        }
        Map<TopicPartition, Double> read = new HashMap<>();
        for (Map.Entry<MetricName, ? extends Metric> metric : metrics.get().entrySet()) {
            MetricName name = metric.getKey();
            String topic = name.tags().get("topic");
            if (!"records-lag".equals(name.name()) || topic == null || !inputs.contains(topic)
                    || !name.tags().containsKey("partition")) {
                continue;
            }
            Object value = metric.getValue().metricValue();
            if (value instanceof Double lag) {
                read.merge(new TopicPartition(topic, Integer.parseInt(name.tags().get("partition"))), lag, Math::max);
            }
        }
        lags = read;
        readAt = nanos;
        return read;
    }
}
