package dev.eddy.engine.scaling;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.kafka.ClientConfigs;
import dev.eddy.engine.kafka.Topics;
import dev.eddy.engine.telemetry.TelemetryJson;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One decision for the cluster on how many workers each function runs, where several engines run it. Once a second
 * each engine writes what each of its functions showed ({@link Report}: arrival rate, records waiting, call time,
 * calls running, workers) to the one-partition topic {@code <prefix>.scaling}, and reads everything on it. The engine
 * with the smallest instance id among those that reported a function in the last 3 s leads its scaling
 * ({@link ClusterPlan}): it decides the function's workers for the cluster from the summed figures and writes the
 * count with each engine's share ({@link Decision}); every engine runs its share. An engine without a decision of the
 * last 6 s that names it — alone, just started, or left alone when the others stopped — decides for itself, as
 * without a cluster.
 *
 * <p>Why not a consumer group, as the timers elect one of them: a group's member that dies is noticed only when
 * its session times out (45 s unless set), and the leader's reports going stale take 3 s; two engines that briefly
 * both lead write the same decision from the same figures, so the lease a group gives buys nothing here.
 *
 * <p>Threading: {@link #coordinate} is called by the engine's scaling thread; the topic is read on a thread of its
 * own. Sending never blocks for longer than a second: a report or decision lost is replaced the next second.
 */
public final class ClusterScaling implements AutoCloseable {

    /** The header that says what a record on the scaling topic is: {@value #REPORT} or {@value #DECISION}. */
    static final String KIND = "eddy-kind";
    static final String REPORT = "report";
    static final String DECISION = "decision";

    private static final Logger log = LoggerFactory.getLogger(ClusterScaling.class);

    /**
     * What one engine saw of a function in its last second.
     *
     * @param rate       records received a second
     * @param waiting    records waiting: its lag in the partitions it holds, and what it fetched and has not finished
     * @param callMillis a handler call's typical time; null before any was timed
     * @param running    calls running
     * @param workers    workers it runs
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Report(String engine, String function, double rate, long waiting, Double callMillis, int running,
            int workers) {
    }

    /**
     * The cluster's count of workers for a function, and each engine's share of it.
     *
     * @param leader  the engine that decided
     * @param workers the count, within the function's bounds
     * @param shares  workers per engine, by instance id, adding up to the count
     * @param reason  the figures it was decided on
     */
    public record Decision(String leader, String function, int workers, Map<String, Integer> shares, String reason) {
    }

    /** What bounds a function's count: {@code scaling.min}, the most (its max and input partitions), calls a worker. */
    public record Limits(String function, int min, int max, int callsPerWorker) {
    }

    /**
     * This engine's part of a decision for the cluster.
     *
     * @param workers     the function's count for the cluster
     * @param here        this engine's share (it runs one at least while the function is not at zero)
     * @param decidedHere whether this engine made the decision
     */
    public record Share(int workers, int here, String reason, String leader, boolean decidedHere) {
    }

    private final String engine;
    private final String topic;
    private final ClusterPlan plan;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread reader;
    /** Each function's last sample here, for its arrival rate. */
    private final Map<String, ScalingController.Sample> lastSamples = new ConcurrentHashMap<>();
    private volatile boolean closed;
    /** The end of the topic when this engine started reading it: what is before was written before it looked. */
    private long caughtUpAt;

    private ClusterScaling(EngineConfig config, String engine) {
        this.engine = engine;
        this.topic = config.names().scaling();
        this.plan = new ClusterPlan(engine, TimeUnit.MILLISECONDS.toNanos(config.getLong(
                EngineConfig.SCALING_COOLDOWN_MS)));
        Map<String, Object> producerProps = ClientConfigs.producer(config, "eddy-scaling-" + engine);
        producerProps.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1_000);
        producerProps.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        this.producer = new KafkaProducer<>(producerProps);
        Map<String, Object> consumerProps = ClientConfigs.reader(config, "eddy-scaling-" + engine);
        consumerProps.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 500); // a fetch returns as soon as a record is there
        this.consumer = new KafkaConsumer<>(consumerProps);
        this.reader = Thread.ofPlatform().name("eddy-scaling-reader").daemon().unstarted(this::read);
    }

    /**
     * Creates the scaling topic unless it exists (one partition; reports are kept 10 minutes) and starts reading it
     * from 6 s back, so that an engine that starts knows the others and their last decisions at once.
     */
    public static ClusterScaling start(EngineConfig config, Admin admin, String engine) {
        Topics.createWithBrokerDefaults(admin, config.names().scaling(), 1, Map.of(
                "retention.ms", String.valueOf(TimeUnit.MINUTES.toMillis(10)),
                "segment.ms", String.valueOf(TimeUnit.MINUTES.toMillis(2))));
        ClusterScaling scaling = new ClusterScaling(config, engine);
        try {
            TopicPartition partition = new TopicPartition(scaling.topic, 0);
            scaling.consumer.assign(List.of(partition));
            long from = System.currentTimeMillis() - TimeUnit.NANOSECONDS.toMillis(ClusterPlan.DECISION_FRESH_NANOS);
            OffsetAndTimestamp offset = scaling.consumer.offsetsForTimes(Map.of(partition, from)).get(partition);
            scaling.caughtUpAt = scaling.consumer.endOffsets(List.of(partition)).get(partition);
            scaling.consumer.seek(partition, offset == null ? scaling.caughtUpAt : offset.offset());
        } catch (RuntimeException e) {
            scaling.consumer.close(Duration.ZERO);
            scaling.producer.close(Duration.ZERO);
            throw e;
        }
        scaling.reader.start();
        return scaling;
    }

    /**
     * Tells the cluster what a function showed here this second; decides for the cluster when this engine leads the
     * function; and says what this engine is to run, when a fresh decision for the cluster gives it a share (empty:
     * this engine decides for itself).
     */
    public Optional<Share> coordinate(Limits limits, ScalingController.Sample sample, int workers) {
        double rate = sample.rateSince(lastSamples.put(limits.function(), sample));
        Report report = new Report(engine, limits.function(), rate, sample.waiting(),
                Double.isNaN(sample.callSeconds()) ? null : sample.callSeconds() * 1000, sample.running(), workers);
        send(REPORT, limits.function(), report);
        long now = System.nanoTime();
        Optional<Decision> decided;
        synchronized (plan) {
            plan.report(report, now);
            decided = plan.decide(limits, now);
        }
        decided.ifPresent(decision -> send(DECISION, limits.function(), decision));
        synchronized (plan) {
            return plan.share(limits.function(), now);
        }
    }

    /** This engine's share of a fresh decision of the cluster's for the function, if there is one. */
    public Optional<Share> share(String function) {
        synchronized (plan) {
            return plan.share(function, System.nanoTime());
        }
    }

    /** Forgets a function that no longer runs here (its next deploy starts its arrival rate afresh). */
    public void forget(String function) {
        lastSamples.remove(function);
    }

    private void send(String kind, String function, Object value) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, function.getBytes(StandardCharsets.UTF_8),
                TelemetryJson.write(value));
        record.headers().add(KIND, kind.getBytes(StandardCharsets.UTF_8));
        try {
            producer.send(record, (metadata, e) -> {
                if (e != null) {
                    log.debug("A scaling {} of '{}' was not written: {}", kind, function, e.toString());
                }
            });
        } catch (RuntimeException e) { // metadata not there within max.block.ms: Kafka is away
            log.debug("A scaling {} of '{}' was not written: {}", kind, function, e.toString());
        }
    }

    private void read() {
        long warnedAt = 0;
        try {
            while (!closed) {
                Map<String, Integer> unreadable = new HashMap<>();
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = consumer.poll(Duration.ofSeconds(1));
                } catch (WakeupException e) {
                    break; // closing
                } catch (RuntimeException e) { // reports go stale meanwhile: each engine decides for itself
                    if (warnedAt == 0 || System.nanoTime() - warnedAt > TimeUnit.MINUTES.toNanos(1)) {
                        warnedAt = System.nanoTime();
                        log.warn("The scaling topic '{}' cannot be read ({}); trying again every second", topic,
                                e.toString());
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
                    continue;
                }
                long now = System.nanoTime();
                synchronized (plan) {
                    for (ConsumerRecord<byte[], byte[]> record : records) {
                        take(record, now, unreadable);
                    }
                    plan.forget(now);
                }
                unreadable.forEach((why, count) -> log.warn("{} records on '{}' were skipped: {}", count, topic, why));
            }
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** Takes a record in. Called holding the plan. */
    private void take(ConsumerRecord<byte[], byte[]> record, long read, Map<String, Integer> unreadable) {
        // Written before this engine started: as old as its timestamp says (by the writer's clock, this once).
        long now = record.offset() >= caughtUpAt ? read
                : read - TimeUnit.MILLISECONDS.toNanos(Math.max(0, System.currentTimeMillis() - record.timestamp()));
        Header kind = record.headers().lastHeader(KIND);
        String what = kind == null ? "" : new String(kind.value(), StandardCharsets.UTF_8);
        try {
            switch (what) {
                case REPORT -> {
                    Report report = TelemetryJson.read(record.value(), Report.class, "a scaling report");
                    if (!report.engine().equals(engine)) { // this engine's own were taken in as they were made
                        plan.report(report, now);
                    }
                }
                case DECISION -> {
                    Decision decision = TelemetryJson.read(record.value(), Decision.class, "a scaling decision");
                    if (!decision.leader().equals(engine)) {
                        plan.decision(decision, now);
                    }
                }
                default -> unreadable.merge("no " + KIND + " header of '" + REPORT + "' or '" + DECISION + "' (was '"
                        + what + "')", 1, Integer::sum);
            }
        } catch (IllegalArgumentException e) {
            unreadable.merge(e.getMessage(), 1, Integer::sum);
        }
    }

    @Override
    public void close() {
        closed = true;
        consumer.wakeup();
        try {
            reader.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(1));
    }
}
