package dev.eddy.loadtests;

import dev.eddy.engine.Delivery;
import dev.eddy.engine.Engine;
import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.kafka.ClientConfigs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;

/**
 * {@code eos-passthrough}: every record copied to an output topic with exactly-once delivery, against a Kafka
 * Streams {@code exactly_once_v2} pass-through topology over the same records, with the same commit interval and
 * producer settings; both timed from the first record handled until the last offset is committed.
 */
final class EosPassthrough extends Scenario {

    /** Kafka Streams threads: one per core, as a Streams user on this machine would run it. */
    static final int STREAMS_THREADS = Runtime.getRuntime().availableProcessors();

    EosPassthrough() {
        super("eos-passthrough",
                "exactly-once copy of every record vs a Kafka Streams exactly_once_v2 topology, same run",
                1.0,
                false,
                1000,
                1_000_000);
    }

    @Override
    public ScenarioResult run(BenchContext context) throws Exception {
        int records = context.records();
        String input = context.fill("bench-eos-in", DispatchNoop.PARTITIONS, records, DispatchNoop.VALUE_BYTES,
                DispatchNoop.KEYS);
        Throughput eddy = new Throughput("Eddy: EXACTLY_ONCE, handler emits each record");
        Throughput streams = new Throughput("Kafka Streams exactly_once_v2, " + STREAMS_THREADS + " threads");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                context.engineConfig().bootstrapServers()))) {
            Runs.alternate(context, records,
                    streams, run -> kafkaStreams(context, admin, input,
                            context.newTopic("bench-eos-streams-out", DispatchNoop.PARTITIONS), records, run),
                    eddy, run -> eddyExactlyOnce(context, admin, input,
                            context.newTopic("bench-eos-eddy-out", DispatchNoop.PARTITIONS), records, run));
        }
        return new ScenarioResult(eddy.figures(), streams.figures(), eddy.median() / streams.median(),
                Map.of("partitions", DispatchNoop.PARTITIONS, "value_bytes", DispatchNoop.VALUE_BYTES,
                        "commit_interval_ms", commitIntervalMs(context), "streams_threads", STREAMS_THREADS));
    }

    private static long commitIntervalMs(BenchContext context) {
        return context.engineConfig().getLong(EngineConfig.COMMIT_INTERVAL_MS);
    }

    /** Nanoseconds from the first record handled until the group committed every offset. */
    private static long eddyExactlyOnce(BenchContext context, Admin admin, String input, String output, int records,
            int run) {
        AtomicLong first = new AtomicLong();
        FunctionDefinition function = context.function("bench-eos-" + input + "-" + run, null)
                .input(input).output(output).delivery(Delivery.EXACTLY_ONCE)
                .handler((event, ctx) -> {
                    if (first.get() == 0) {
                        first.compareAndSet(0, System.nanoTime());
                    }
                    ctx.emit(event);
                })
                .build();
        try (Engine engine = new Engine(context.engineConfig(), new SimpleMeterRegistry())) {
            engine.deploy(function);
            long end = BenchContext.awaitCount(() -> committed(admin, function.groupId()), records, "committed offsets");
            return end - first.get();
        }
    }

    /** Nanoseconds from the first record handled until the application committed every offset. */
    private static long kafkaStreams(BenchContext context, Admin admin, String input, String output, int records,
            int run) {
        AtomicLong first = new AtomicLong();
        StreamsBuilder builder = new StreamsBuilder();
        builder.<byte[], byte[]>stream(input).peek((key, value) -> {
            if (first.get() == 0) {
                first.compareAndSet(0, System.nanoTime());
            }
        }).to(output);
        String applicationId = "bench-eos-streams-" + input + "-" + run;
        Properties props = exactlyOnceStreams(context, applicationId, STREAMS_THREADS);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitIntervalMs(context));
        props.put(StreamsConfig.consumerPrefix("max.poll.records"), 1000);
        Map<String, Object> producer = new HashMap<>(ClientConfigs.producer(context.engineConfig(), "unused"));
        for (String setting : new String[] {ProducerConfig.LINGER_MS_CONFIG, ProducerConfig.BATCH_SIZE_CONFIG}) {
            props.put(StreamsConfig.producerPrefix(setting), producer.get(setting));
        }
        try (KafkaStreams streams = new KafkaStreams(builder.build(), props)) {
            streams.start();
            long end = BenchContext.awaitCount(() -> committed(admin, applicationId), records, "committed offsets");
            streams.close(Duration.ofSeconds(30));
            return end - first.get();
        }
    }

    /**
     * The settings of a Kafka Streams baseline: exactly-once v2, byte-array serdes, a state directory of the
     * benchmarks' own, this many stream threads.
     */
    static Properties exactlyOnceStreams(BenchContext context, String applicationId, int threads) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, context.engineConfig().bootstrapServers());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
        props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        props.put(StreamsConfig.STATE_DIR_CONFIG, System.getProperty("java.io.tmpdir") + "/eddy-bench-streams");
        return props;
    }

    /** The sum of the group's committed offsets; the input's partitions start at offset 0. */
    static long committed(Admin admin, String group) {
        try {
            return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().values().stream()
                    .filter(java.util.Objects::nonNull).mapToLong(OffsetAndMetadata::offset).sum();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            return 0; // the group does not exist yet
        }
    }
}
