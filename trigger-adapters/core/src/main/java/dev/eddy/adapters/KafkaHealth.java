package dev.eddy.adapters;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/**
 * Whether an adapter's Kafka cluster answers, asked every {@link #EVERY} on a thread of its own so that a readiness
 * probe reads the last answer at once rather than waiting out a timeout. Closed by its owner.
 */
public final class KafkaHealth implements AutoCloseable {

    /** How often Kafka is asked. */
    public static final Duration EVERY = Duration.ofSeconds(2);
    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    private final EventPublisher.Options options;
    private final Admin admin;
    private final java.util.concurrent.ScheduledExecutorService checker;
    private volatile String problem;

    public KafkaHealth(EventPublisher.Options options) {
        this.options = options;
        Map<String, Object> props = AdapterKafka.clientProps(options);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "eddy-trigger-" + options.adapter() + "-health");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        this.admin = Admin.create(props);
        this.checker = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon()
                .name("eddy-" + options.adapter() + "-kafka-health").factory());
        checker.scheduleWithFixedDelay(this::check, 0, EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Kafka's problem as last seen, or none. */
    public List<String> problems() {
        String seen = problem;
        return seen == null ? List.of() : List.of(seen);
    }

    private void check() {
        try {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) TIMEOUT.toMillis())).nodes()
                    .get(TIMEOUT.toMillis() + 500, TimeUnit.MILLISECONDS);
            problem = null;
        } catch (ExecutionException | TimeoutException e) {
            problem = "Kafka at " + options.bootstrapServers() + " does not answer ("
                    + (e instanceof ExecutionException ? e.getCause() : e) + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closing
        }
    }

    @Override
    public void close() {
        checker.shutdownNow();
        admin.close(Duration.ofSeconds(2));
    }
}
