package dev.eddy.engine.internal.windows;

import dev.eddy.engine.Delivery;
import dev.eddy.engine.EddyException;
import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.FunctionState;
import dev.eddy.engine.internal.Worker;
import dev.eddy.engine.internal.dispatch.FunctionEnvironment;
import dev.eddy.engine.internal.dispatch.FunctionMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;

/**
 * A worker of a windowed function: one Kafka Streams instance with one stream thread, its application id the
 * function's group ({@code <prefix>-<function>}), so that its workers on every engine share the function's tasks
 * (one per input partition) as a consumer group shares partitions, and the function's scaling controller adds and
 * removes them like any function's workers. Exactly-once v2 unless the function asks for at-least-once.
 *
 * <p>A windowed function does not scale to zero: its windows close by the wall clock, which takes a running worker.
 *
 * <p>Threading: {@link #run} on the worker's own thread, which waits until the instance stops; the rest from any
 * thread.
 */
public final class WindowedWorker implements Worker {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(WindowedWorker.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
    /** The stream thread's consumer's session: how long a dead worker's tasks wait before others take them. */
    static final int SESSION_TIMEOUT_MS = 10_000;

    private final FunctionDefinition definition;
    private final KafkaStreams streams;
    private final WindowCounts counts;
    private final FunctionMetrics metrics;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    /** (nanos, completed) samples of about the last minute, for the throughput. */
    private final Deque<long[]> samples = new ArrayDeque<>();
    private volatile FunctionState state = FunctionState.STARTING;
    private final InputLags lags;
    /** What the function's gauges and scaling controller read of this worker. */
    private final FunctionMetrics.Live live = new FunctionMetrics.Live() {
        @Override
        public int assignedPartitions() {
            return WindowedWorker.this.assignedPartitions();
        }

        @Override
        public long lag() {
            return lags.total();
        }

        @Override
        public int concurrency() {
            return lags.total() > 0 ? 1 : 0; // its one stream thread, busy while records wait
        }
    };
    private volatile Throwable failure;

    /**
     * @param clientId the worker's client id (and, under the state directory, its own directory)
     * @throws EddyException when the topology or the settings are refused
     */
    public WindowedWorker(FunctionEnvironment environment, EngineConfig config, String clientId,
            FunctionMetrics metrics) {
        this.definition = environment.definition();
        this.counts = new WindowCounts(metrics);
        this.metrics = metrics;
        Properties props = properties(config, clientId);
        java.util.concurrent.atomic.AtomicReference<KafkaStreams> created =
                new java.util.concurrent.atomic.AtomicReference<>();
        this.lags = new InputLags(Set.copyOf(definition.inputs()), () -> created.get().metrics());
        WindowTiming timing = new WindowTiming(() -> environment.ticker().millis(),
                Duration.ofMillis(config.getLong(EngineConfig.WINDOWS_CLOSE_INTERVAL_MS)),
                Duration.ofMillis(config.getLong(EngineConfig.WINDOWS_QUIET_AFTER_MS)), lags::caughtUp);
        try {
            this.streams = new KafkaStreams(WindowedTopology.of(definition, environment, timing, counts), props);
            created.set(streams);
        } catch (RuntimeException e) {
            throw new EddyException("Function '" + definition.name() + "' cannot run its windows on Kafka Streams: "
                    + e.getMessage(), e);
        }
        streams.setUncaughtExceptionHandler(exception -> {
            failure = exception;
            log.error("Function '{}' failed: its stream thread stopped", definition.name(), exception);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.setStateListener((now, before) -> {
            switch (now) {
                case RUNNING -> state = FunctionState.RUNNING;
                case PENDING_SHUTDOWN -> state = failure == null ? FunctionState.STOPPING : FunctionState.FAILED;
                case ERROR, PENDING_ERROR -> state = FunctionState.FAILED;
                default -> { }
            }
            if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
                stopRequested.countDown();
            }
        });
    }

    private Properties properties(EngineConfig config, String clientId) {
        Properties props = new Properties();
        props.putAll(config.clientOverrides());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, definition.groupId());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(StreamsConfig.CLIENT_ID_CONFIG, clientId);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, definition.delivery() == Delivery.EXACTLY_ONCE
                ? StreamsConfig.EXACTLY_ONCE_V2 : StreamsConfig.AT_LEAST_ONCE);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir(config).resolve(clientId).toString());
        // A worker that died (a crashed engine's, or one of its added workers) holds its tasks until its session
        // times out: 10 s rather than Kafka's 45, so that the others take them over soon.
        props.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), SESSION_TIMEOUT_MS);
        if (!config.getString(EngineConfig.INSTANCE_ID).isBlank()) {
            // Static membership: an engine restarted with its instance id (after a crash, say) takes its tasks back
            // at once, rather than after the session of its former self has timed out.
            props.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), clientId);
        }
        config.consumerOverrides().forEach((key, value) -> props.put(StreamsConfig.consumerPrefix(key), value));
        config.producerOverrides().forEach((key, value) -> props.put(StreamsConfig.producerPrefix(key), value));
        definition.consumerSettings().forEach((key, value) -> props.put(StreamsConfig.consumerPrefix(key), value));
        definition.producerSettings().forEach((key, value) -> props.put(StreamsConfig.producerPrefix(key), value));
        return props;
    }

    /**
     * Forgets a windowed function that is undeployed for good: its stores' changelog topics, and this engine's local
     * copies of its stores. Its workers must have stopped.
     *
     * @return the topics deleted
     */
    public static List<String> forget(FunctionDefinition definition, EngineConfig config, Admin admin) {
        List<String> topics = WindowedTopology.changelogs(definition);
        try {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<String> deleting = topics.stream().filter(existing::contains).toList();
            admin.deleteTopics(deleting).all().get(30, TimeUnit.SECONDS);
            topics = deleting;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EddyException("Interrupted while deleting the changelogs of '" + definition.name() + "'", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new EddyException("Function '" + definition.name() + "': its windows' changelog topics " + topics
                    + " could not be deleted: " + e.getMessage(), e);
        }
        Path dir = stateDir(config);
        if (Files.isDirectory(dir)) {
            try (var workers = Files.list(dir)) {
                for (Path worker : workers.filter(path -> path.getFileName().toString()
                        .startsWith(definition.groupId() + "-")).toList()) {
                    deleteTree(worker);
                }
            } catch (IOException e) {
                log.warn("Function '{}': its local window stores under {} could not be deleted: {}",
                        definition.name(), dir, e.toString());
            }
        }
        return topics;
    }

    private static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    /** The engine's directory for windowed functions' local stores. */
    static Path stateDir(EngineConfig config) {
        String dir = config.getString(EngineConfig.WINDOWS_STATE_DIR);
        return dir.isBlank() ? Path.of(System.getProperty("java.io.tmpdir"), "eddy-windows") : Path.of(dir);
    }

    @Override
    public void run() {
        AutoCloseable streamMetrics = null;
        try {
            streamMetrics = metrics.bindStreams(streams);
            metrics.attach(live);
            streams.start();
            stopRequested.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failure = e;
            log.error("Function '{}' could not start its stream thread", definition.name(), e);
        } finally {
            // Leaving the group at once: the workers left (another version, the others of the function) take over its
            // tasks now, not after a session timeout.
            streams.close(org.apache.kafka.streams.CloseOptions.groupMembershipOperation(
                    org.apache.kafka.streams.CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(CLOSE_TIMEOUT));
            closeQuietly(streamMetrics);
            metrics.detach(live);
            state = failure == null ? FunctionState.STOPPED : FunctionState.FAILED;
            stopped.complete(null);
        }
    }

    private void closeQuietly(AutoCloseable binding) {
        if (binding == null) {
            return;
        }
        try {
            binding.close();
        } catch (Exception e) {
            log.warn("Function '{}': its Kafka Streams metrics could not be unbound: {}", definition.name(),
                    e.toString());
        }
    }

    @Override
    public void close() {
        stopRequested.countDown();
    }

    @Override
    public CompletableFuture<Void> stopped() {
        return stopped;
    }

    @Override
    public FunctionState state() {
        return state;
    }

    @Override
    public Throwable failure() {
        return failure;
    }

    @Override
    public synchronized double throughput() {
        long now = System.nanoTime();
        samples.addLast(new long[] {now, counts.completed()});
        while (samples.size() > 2 && now - samples.peekFirst()[0] > Duration.ofMinutes(1).toNanos()) {
            samples.removeFirst();
        }
        long[] first = samples.peekFirst();
        long nanos = now - first[0];
        return nanos <= 0 ? 0 : (counts.completed() - first[1]) * 1e9 / nanos;
    }

    @Override
    public long completed() {
        return counts.completed();
    }

    @Override
    public int assignedPartitions() {
        if (streams.state() != KafkaStreams.State.RUNNING) {
            return 0;
        }
        int partitions = 0;
        for (ThreadMetadata thread : streams.metadataForLocalThreads()) {
            for (var task : thread.activeTasks()) {
                partitions += (int) task.topicPartitions().stream()
                        .filter(partition -> definition.inputs().contains(partition.topic())).count();
            }
        }
        return partitions;
    }

    @Override
    public void idleOnlyWhen(BooleanSupplier condition) {
        // never idle: see the class comment
    }

    @Override
    public void coldStart() {
        // never started from zero
    }

    @Override
    public boolean idled() {
        return false;
    }

    @Override
    public Map<TopicPartition, Long> idlePositions() {
        return Map.of();
    }
}
