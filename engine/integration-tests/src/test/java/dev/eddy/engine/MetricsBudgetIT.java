package dev.eddy.engine;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.engine.testing.CountingHandler;
import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.TestKafka;
import dev.eddy.observability.MetricsEndpoint;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What one function costs Prometheus: the series its meters make on {@code /metrics}, idle (deployed, no record
 * yet) and busy (keyed state, many partitions and workers, records retried and dead-lettered, woken from zero), each
 * within its budget, so that an engine holding a thousand functions stays scrapeable.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class MetricsBudgetIT {

    private static final int IDLE_BUDGET = 60;
    private static final int BUSY_BUDGET = 150;

    @Test
    void shouldKeepEachFunctionsSeriesWithinBudget(TestKafka kafka) {
        String quiet = kafka.newTopic("quiet", 6);
        String busyIn = kafka.newTopic("busy-in", 12);
        String busyOut = kafka.newTopic("busy-out", 6);
        PrometheusMeterRegistry registry = MetricsEndpoint.newRegistry();
        try (Engine engine = new Engine(kafka.engineConfig(Map.of()), registry)) {
            FunctionDefinition idle = FunctionDefinition.builder(kafka.uniqueName("idle")).input(quiet)
                    .handler((event, ctx) -> { }).build();
            FunctionDefinition busy = FunctionDefinition.builder(kafka.uniqueName("busy")).input(busyIn).output(busyOut)
                    .retry(RetryPolicy.attempts(2).withBackoff(Duration.ofMillis(1), Duration.ofMillis(1)))
                    .scaleToZero(Duration.ofSeconds(1)).scalingMax(4)
                    .handler(new dev.eddy.sdk.Handler() {
                        private final CountingHandler counting = new CountingHandler();

                        @Override
                        public List<dev.eddy.sdk.StateSpec> state() {
                            return counting.state();
                        }

                        @Override
                        public void handle(dev.eddy.sdk.Event event, dev.eddy.sdk.Context context) {
                            if (event.valueAsString().endsWith("7")) {
                                throw new IllegalArgumentException("refusing " + event.valueAsString());
                            }
                            counting.handle(event, context);
                        }
                    }).build();
            engine.deploy(idle);
            RunningFunction running = engine.deploy(busy);
            await().atMost(Duration.ofSeconds(30)).until(() -> running.state() == FunctionState.IDLE);
            List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                records.add(new ProducerRecord<>(busyIn, ("k" + i % 50).getBytes(StandardCharsets.UTF_8),
                        ("v" + i).getBytes(StandardCharsets.UTF_8)));
            }
            kafka.produce(records);
            await().atMost(Duration.ofSeconds(60)).until(() -> running.stats().succeeded() + running.stats().deadLettered() == 2_000);
            running.pinWorkers(4);
            await().atMost(Duration.ofSeconds(30)).until(() -> running.workersWithPartitions() == 4);
            kafka.produce(records);
            await().atMost(Duration.ofSeconds(60)).until(() -> running.stats().succeeded() + running.stats().deadLettered() == 4_000);

            String scrape = registry.scrape();
            long idleSeries = series(scrape, idle.name());
            long busySeries = series(scrape, busy.name());
            System.out.printf("[metrics] /metrics %.1f KB; series: idle function %d, busy function %d (4 workers,"
                    + " 12 partitions, state, %d dead letters, %d cold starts)%n", scrape.length() / 1024.0, idleSeries,
                    busySeries, running.stats().deadLettered(), running.coldStarts());
            assertTrue(running.coldStarts() > 0 && running.stats().deadLettered() > 0, "the busy function did it all");
            assertTrue(idleSeries <= IDLE_BUDGET, "an idle function has " + idleSeries + " series, over "
                    + IDLE_BUDGET);
            assertTrue(busySeries <= BUSY_BUDGET, "a busy function has " + busySeries + " series, over " + BUSY_BUDGET
                    + ":\n" + scrape.lines().filter(line -> line.contains("\"" + busy.name() + "\"")).toList());
        }
    }

    private static long series(String scrape, String function) {
        return scrape.lines().filter(line -> !line.startsWith("#") && line.contains("function=\"" + function + "\""))
                .count();
    }
}
