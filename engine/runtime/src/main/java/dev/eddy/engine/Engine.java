package dev.eddy.engine;

import dev.eddy.engine.internal.dispatch.FunctionMetrics;
import dev.eddy.engine.internal.dispatch.FunctionEnvironment;
import dev.eddy.engine.internal.dispatch.FunctionWorker;
import dev.eddy.engine.kafka.ClientConfigs;
import dev.eddy.engine.kafka.Topics;
import dev.eddy.engine.scaling.ClusterScaling;
import dev.eddy.engine.state.StateStores;
import dev.eddy.engine.telemetry.EventLog;
import dev.eddy.engine.telemetry.LogShipper;
import dev.eddy.engine.telemetry.Telemetry;
import dev.eddy.engine.telemetry.UsageReporter;
import dev.eddy.observability.Tracing;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs functions on a Kafka cluster. Each deployed function runs workers — each its own consumer (in the function's
 * consumer group, shared with every other engine that runs it), its own producer and its own poll loop thread — as
 * many as its scaling controller asks for (its share of one count for the cluster where several engines run it;
 * none while it is scaled to zero: one watcher looks after all of those).
 *
 * <p>Lifecycle: create, {@link #deploy} functions, {@link #close} to stop them all; closing lets each finish and
 * commit its records in flight. Deploying creates the function's dead-letter and replay topics if they are missing
 * (one partition each, the broker's default replication). The engine does not own the meter registry it is given.
 */
public final class Engine implements AutoCloseable {

    /** How often the scaling controllers look for a backlog, in milliseconds. */
    static final long SCALING_LOOK_MILLIS = 250;
    /** Looks a second: one of them is the full tick. */
    static final int SCALING_TICKS_A_SECOND = (int) (1000 / SCALING_LOOK_MILLIS);

    private static final Logger log = LoggerFactory.getLogger(Engine.class);

    private final EngineConfig config;
    private final MeterRegistry registry;
    private final String instanceId;
    private final Map<String, RunningFunction> functions = new ConcurrentHashMap<>();
    /** Looks for a backlog so far; the scaling thread's only. */
    private long scalingLooks;
    private final Tracing tracing;
    private final LogShipper logShipper;
    private final Telemetry telemetry;
    private final UsageReporter usage;
    private final EventLog events;
    private boolean ownTopicsCreated;
    /** Set when the engine closes: nothing is started after. */
    private boolean closed;
    private IdleWatcher idleWatcher;
    /** Ticks every function's scaling controller once a second. */
    private final java.util.concurrent.ScheduledExecutorService scaling =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().name("eddy-scaling").daemon().factory());
    /**
     * Where the engines decide their functions' workers together; null until the first deploy, when off, or while
     * the scaling topic cannot be used (tried again every {@link #CLUSTER_SCALING_RETRY}).
     */
    private volatile ClusterScaling clusterScaling;
    private static final Duration CLUSTER_SCALING_RETRY = Duration.ofSeconds(30);
    /** When to try the scaling topic again ({@link System#nanoTime}); 0: not to be tried. */
    private volatile long clusterScalingRetryAt;
    private Admin admin;

    public Engine(EngineConfig config, MeterRegistry registry) {
        this.config = config;
        this.registry = registry;
        registry.config().meterFilter(FunctionMetrics.kafkaClientFilter());
        String configured = config.getString(EngineConfig.INSTANCE_ID);
        this.instanceId = configured.isBlank() ? UUID.randomUUID().toString().substring(0, 8) : configured;
        try {
            this.tracing = Tracing.create("eddy-engine", config.getString(EngineConfig.TRACING_OTLP_ENDPOINT));
        } catch (IllegalArgumentException e) {
            throw new org.apache.kafka.common.config.ConfigException(EngineConfig.TRACING_OTLP_ENDPOINT,
                    config.getString(EngineConfig.TRACING_OTLP_ENDPOINT), e.getMessage());
        }
        this.logShipper = config.getBoolean(EngineConfig.FUNCTION_LOGS)
                ? new LogShipper(config, "eddy-logs-" + instanceId) : null;
        this.telemetry = new Telemetry(tracing, logShipper, instanceId);
        this.usage = new UsageReporter(config, instanceId, this::functions);
        this.events = new EventLog(config, instanceId);
        scaling.scheduleAtFixedRate(this::tickScaling, SCALING_LOOK_MILLIS, SCALING_LOOK_MILLIS,
                java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /**
     * Every {@value #SCALING_LOOK_MILLIS} ms the scaling controllers look for a backlog that wants more workers at
     * once; every {@value #SCALING_TICKS_A_SECOND}th look is the second's full tick (reports to the cluster, every
     * decision).
     */
    private void tickScaling() {
        boolean full = ++scalingLooks % SCALING_TICKS_A_SECOND == 0;
        if (!full) {
            for (RunningFunction function : functions.values()) {
                try {
                    function.lookForBacklog(clusterScaling);
                } catch (RuntimeException e) {
                    log.warn("Function '{}': its scaling controller failed: {}", function.name(), e.toString());
                }
            }
            return;
        }
        if (clusterScaling == null && clusterScalingRetryAt != 0 && System.nanoTime() > clusterScalingRetryAt) {
            startClusterScaling();
        }
        for (RunningFunction function : functions.values()) {
            try {
                function.tickScaling(clusterScaling);
            } catch (RuntimeException e) {
                log.warn("Function '{}': its scaling controller failed this second: {}", function.name(),
                        e.toString());
            }
        }
    }

    /**
     * Starts running a function; returns once its poll loop has started (joining the group takes a moment more).
     *
     * @throws EddyException when a function of that name is already deployed here
     */
    public RunningFunction deploy(FunctionDefinition function) {
        return deploy(function, false);
    }

    /**
     * Starts a function in place of the running one of its name (an update, a rollback): the new one's tables are
     * loaded and its handler opened first, and only then is the running one stopped (its records in flight
     * completed and committed), so that a version whose code fails as it is set up leaves the running one untouched.
     *
     * @throws FunctionCodeException when the new handler's {@code open()} throws: nothing was stopped
     */
    public RunningFunction replace(FunctionDefinition function) {
        return deploy(function, true);
    }

    private RunningFunction deploy(FunctionDefinition function, boolean replacing) {
        // Its group, transactional ids and topics, as this engine names them (names.prefix).
        FunctionDefinition definition = function.withNames(config.names());
        String name = definition.name();
        String clientId = definition.groupId() + "-" + instanceId;
        RunningFunction current = functions.get(name);
        if (!replacing && current != null && !isOver(current.state())) {
            throw new EddyException("Function '" + name + "' is already deployed on this engine; undeploy it first");
        }
        Topics.createWithBrokerDefaults(admin(), definition.deadLetterTopic(), 1);
        if (definition.windowed() == null) {
            Topics.createWithBrokerDefaults(admin(), definition.replayTopic(), 1);
            StateStores.prepare(definition, admin());
        }
        createOwnTopics();
        FunctionEnvironment environment = FunctionEnvironment.of(definition, config, telemetry)
                .withTables(dev.eddy.engine.internal.tables.FunctionTables.of(definition, config));
        environment.openHandler(); // fails before anything running is touched
        RunningFunction running;
        try {
            if (replacing) {
                undeploy(name);
            }
            RunningFunction stopped = functions.get(name);
            if (stopped != null && isOver(stopped.state())) {
                usage.last(stopped); // it is about to be replaced: what it used is reported first
            }
            running = functions.compute(name, (key, existing) -> {
                if (existing != null && !isOver(existing.state())) {
                    throw new EddyException("Function '" + name + "' is already deployed on this engine; undeploy"
                            + " it first");
                }
                return newRunningFunction(environment, clientId);
            });
        } catch (RuntimeException e) {
            environment.closeHandler();
            throw e;
        }
        running.start();
        log.info("Deployed {}", definition);
        return running;
    }


    /** The logs and usage topics, at the first deploy. */
    private synchronized void createOwnTopics() {
        if (ownTopicsCreated) {
            return;
        }
        if (logShipper != null) {
            Topics.createWithBrokerDefaults(admin(), config.names().logs(), LogShipper.PARTITIONS);
        }
        Topics.createWithBrokerDefaults(admin(), config.names().usage(), UsageReporter.PARTITIONS);
        Topics.createWithBrokerDefaults(admin(), config.names().events(), EventLog.PARTITIONS);
        if (config.getBoolean(EngineConfig.SCALING_CLUSTER)) {
            startClusterScaling();
        }
        ownTopicsCreated = true;
    }

    /** Starts deciding with the other engines; not worth failing a deploy for: meanwhile each decides alone. */
    private synchronized void startClusterScaling() {
        if (clusterScaling != null || closed) {
            return;
        }
        try {
            clusterScaling = ClusterScaling.start(config, admin(), instanceId);
            clusterScalingRetryAt = 0;
        } catch (RuntimeException e) {
            clusterScalingRetryAt = System.nanoTime() + CLUSTER_SCALING_RETRY.toNanos();
            log.warn("The topic '{}' cannot be used ({}); until it can (tried again in {} s), this engine's functions"
                    + " decide their workers from what they see here alone", config.names().scaling(), e.toString(),
                    CLUSTER_SCALING_RETRY.toSeconds());
        }
    }

    private RunningFunction newRunningFunction(FunctionEnvironment environment, String clientId) {
        FunctionDefinition definition = environment.definition();
        String name = definition.name();
        FunctionMetrics.removeAll(registry, name); // a version deployed before counts from zero
        FunctionMetrics metrics = new FunctionMetrics(registry, name, definition.version(),
                definition.maxConcurrency(), definition.memoryMb(), !definition.state().isEmpty());
        int desiredLimit = desiredLimit(definition);
        int workerLimit = config.getBoolean(EngineConfig.SCALING_WORKERS) ? desiredLimit : 1;
        if (definition.windowed() != null) {
            return newWindowedFunction(environment, clientId, metrics, desiredLimit, workerLimit);
        }
        if (definition.delivery() == Delivery.EXACTLY_ONCE) {
            dev.eddy.engine.internal.dispatch.FormerWorkers.fence(config, definition, clientId, workerLimit);
        }
        StateStores.Shared sharedStore = StateStores.Shared.of(definition, config, metrics.state);
        java.util.function.IntFunction<dev.eddy.engine.internal.Worker> workers = slot -> newWorker(environment,
                slot == 0 ? clientId : clientId + "-" + slot, metrics, sharedStore);
        // A function that scales to zero starts there: the watcher wakes it at once if records wait.
        RunningFunction running = new RunningFunction(definition,
                definition.scalingMin() == 0 ? null : workers.apply(0), workers, metrics, workerLimit,
                desiredLimit, Duration.ofMillis(config.getLong(EngineConfig.SCALING_COOLDOWN_MS)), () -> {
                    environment.closeHandler();
                    if (sharedStore != null) {
                        sharedStore.close();
                    }
                });
        running.onIdle(function -> idleWatcher().watch(function, function.idlePositions()));
        running.onScalingEvent(events::publish);
        return running;
    }

    /**
     * A windowed function: its workers are Kafka Streams instances of one application (the function's group), which
     * fence their own transactions and share the function's tasks.
     */
    private RunningFunction newWindowedFunction(FunctionEnvironment environment, String clientId,
            FunctionMetrics metrics, int desiredLimit, int workerLimit) {
        FunctionDefinition definition = environment.definition();
        java.util.function.IntFunction<dev.eddy.engine.internal.Worker> workers = slot ->
                new dev.eddy.engine.internal.windows.WindowedWorker(environment, config,
                        slot == 0 ? clientId : clientId + "-" + slot, metrics);
        RunningFunction running = new RunningFunction(definition, workers.apply(0), workers, metrics, workerLimit,
                desiredLimit, Duration.ofMillis(config.getLong(EngineConfig.SCALING_COOLDOWN_MS)),
                environment::closeHandler);
        running.onScalingEvent(events::publish);
        return running;
    }

    /**
     * The most workers a function asks for: its {@code scaling.max}, and no more than its input partitions (a worker
     * beyond them would hold none). This engine runs up to that many, or one when it does not act on the count
     * itself ({@code scaling.workers=false}).
     */
    private int desiredLimit(FunctionDefinition definition) {
        if (definition.subscriptionPattern().isPresent()) {
            return definition.scalingMax();
        }
        try {
            int partitions = definition.inputs().stream().mapToInt(input -> Topics.partitions(admin(), input)).sum();
            return Math.min(definition.scalingMax(), Math.max(1, partitions));
        } catch (Topics.TopicException e) {
            log.warn("Function '{}': its input partitions could not be counted ({}); up to scaling.max = {}"
                    + " workers", definition.name(), e.getMessage(), definition.scalingMax());
            return definition.scalingMax();
        }
    }

    /** A worker of a function: its own consumer in the function's group, its own producer. */
    private FunctionWorker newWorker(FunctionEnvironment environment, String clientId, FunctionMetrics metrics,
            StateStores.Shared sharedStore) {
        FunctionDefinition definition = environment.definition();
        boolean exactlyOnce = definition.delivery() == Delivery.EXACTLY_ONCE;
        Map<String, Object> consumerProps = ClientConfigs.consumer(config, definition.groupId(), clientId);
        // Every function reads only committed records: what an exactly-once function or a transactional adapter
        // aborted is never handled (a topic written without transactions reads the same either way).
        consumerProps.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, definition.startingPosition().autoOffsetReset());
        consumerProps.putAll(definition.consumerSettings());
        Map<String, Object> producerProps = exactlyOnce
                // The transactional id is the client id, eddy-<function>-<instance>[-<slot>]: stable across
                // restarts, so that a restarted engine fences its former self.
                ? ClientConfigs.transactionalProducer(config, clientId, clientId)
                : ClientConfigs.producer(config, clientId);
        producerProps.putAll(definition.producerSettings());
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps);
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps);
        metrics.bindClients(registry, consumer, producer);
        return new FunctionWorker(environment, config, consumer, producer, metrics, false, sharedStore);
    }

    /** The watcher of this engine's functions at zero, made when the first one gets there. */
    private synchronized IdleWatcher idleWatcher() {
        if (idleWatcher == null) {
            Map<String, Object> props = ClientConfigs.reader(config, "eddy-idle-watcher-" + instanceId);
            // As the functions read: an aborted or open transaction's records wake nobody.
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG,
                    config.getLong(EngineConfig.IDLE_WATCH_INTERVAL_MS).intValue());
            props.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1);
            props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 1024); // it looks for records, not at them
            idleWatcher = new IdleWatcher(admin(), new KafkaConsumer<>(props),
                    Duration.ofMillis(config.getLong(EngineConfig.IDLE_WATCH_INTERVAL_MS)));
        }
        return idleWatcher;
    }

    /**
     * What keeps this engine from being ready, a line each (none: ready): Kafka not answering (asked at most every
     * {@link #KAFKA_CHECK_EVERY}), and each function that failed. For a readiness probe.
     */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        String kafka = kafkaProblem();
        if (kafka != null) {
            problems.add(kafka);
        }
        for (RunningFunction function : functions.values()) {
            if (function.state() == FunctionState.FAILED) {
                problems.add("function '" + function.name() + "' failed: "
                        + function.failure().map(Throwable::toString).orElse("(no reason)"));
            }
        }
        return problems;
    }

    static final Duration KAFKA_CHECK_EVERY = Duration.ofSeconds(5);
    /** Guards the Kafka check, which may wait 5 s: not the engine's own lock, which deploys take. */
    private final Object kafkaCheck = new Object();
    private long kafkaCheckedAt;
    private String kafkaProblem;

    private String kafkaProblem() {
        synchronized (kafkaCheck) {
            return checkKafka();
        }
    }

    private String checkKafka() {
        if (kafkaCheckedAt != 0 && System.nanoTime() - kafkaCheckedAt < KAFKA_CHECK_EVERY.toNanos()) {
            return kafkaProblem;
        }
        try {
            admin().describeCluster().clusterId().get(5, java.util.concurrent.TimeUnit.SECONDS);
            kafkaProblem = null;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            kafkaProblem = "Kafka at " + config.bootstrapServers() + " does not answer: " + e;
        }
        kafkaCheckedAt = System.nanoTime();
        return kafkaProblem;
    }

    /** How many functions at zero the watcher looks at now, with where each of them was known. */
    public synchronized int watchedAtZero() {
        return idleWatcher == null ? 0 : idleWatcher.watching();
    }

    private static boolean isOver(FunctionState state) {
        return state == FunctionState.STOPPED || state == FunctionState.FAILED;
    }

    public Optional<RunningFunction> function(String name) {
        return Optional.ofNullable(functions.get(name));
    }

    public Collection<RunningFunction> functions() {
        return List.copyOf(functions.values());
    }

    /** Stops a function (its records in flight complete and are committed) and forgets it. */
    /**
     * Stops a function, as {@link #undeploy}, and forgets what it kept: a windowed function's windows (their
     * changelog topics and this engine's local copies). For a function undeployed for good, not replaced.
     *
     * @return the topics deleted
     */
    public List<String> undeployForGood(String name) {
        RunningFunction running = functions.get(name);
        undeploy(name);
        if (running == null || running.definition().windowed() == null) {
            return List.of();
        }
        if (!running.awaitStopped(Duration.ofSeconds(60))) {
            log.warn("Function '{}' did not stop within 60 s; its windows' changelogs are deleted anyway", name);
        }
        List<String> deleted = dev.eddy.engine.internal.windows.WindowedWorker.forget(running.definition(), config,
                admin());
        log.info("Function '{}': deleted its windows' changelogs {}", name, deleted);
        return deleted;
    }

    public void undeploy(String name) {
        RunningFunction running = functions.remove(name);
        if (running != null) {
            synchronized (this) {
                if (idleWatcher != null) {
                    idleWatcher.forget(running);
                }
            }
            running.close();
            usage.last(running);
            FunctionMetrics.removeAll(registry, name);
            ClusterScaling cluster = clusterScaling;
            if (cluster != null) {
                cluster.forget(name);
            }
        }
    }

    /** Where the engine's meters are (it does not own the registry). */
    public MeterRegistry meterRegistry() {
        return registry;
    }

    public EngineConfig config() {
        return config;
    }

    /** The engine's Kafka admin client, made on first use; the engine owns it and closes it. */
    public synchronized Admin admin() {
        if (admin == null) {
            admin = Admin.create(ClientConfigs.admin(config, "eddy-engine-" + instanceId));
        }
        return admin;
    }

    /** Stops every function, all at once, and waits for them. */
    @Override
    public void close() {
        scaling.shutdownNow();
        try {
            // A tick may still be telling the cluster.
            scaling.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<RunningFunction> all = new ArrayList<>(functions.values());
        all.forEach(RunningFunction::stop);
        Duration wait = Duration.ofMillis(config.getLong(EngineConfig.SHUTDOWN_TIMEOUT_MS)).plusSeconds(30);
        for (RunningFunction function : all) {
            if (!function.awaitStopped(wait)) {
                log.warn("Function '{}' did not stop within {}", function.name(), wait);
            }
        }
        synchronized (this) {
            if (idleWatcher != null) {
                idleWatcher.close();
            }
        }
        usage.close(); // every function's last usage
        events.close();
        synchronized (this) {
            closed = true;
        }
        if (clusterScaling != null) {
            clusterScaling.close();
        }
        functions.clear();
        if (logShipper != null) {
            logShipper.close();
        }
        tracing.close();
        synchronized (this) {
            if (admin != null) {
                admin.close();
                admin = null;
            }
        }
    }
}
