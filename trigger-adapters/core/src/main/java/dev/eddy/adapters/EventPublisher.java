package dev.eddy.adapters;

import dev.eddy.observability.EddyMeter;
import dev.eddy.observability.Meters;
import dev.eddy.schemas.events.Envelope;
import dev.eddy.schemas.serde.SerdeException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;

/**
 * What every adapter publishes through: an idempotent producer with {@code acks=all}, each event written in the
 * adapter's {@link EventFormat} (JSON by default, or an Avro {@link Envelope} in the Confluent wire format) with the
 * CloudEvents headers of the Kafka binding, and a bound on the events not yet acknowledged — at the bound {@link #publish}
 * waits, so that a source is slowed rather than buffered without limit. A publish's future completes once Kafka has
 * the event; only then may an adapter tell its source the event is taken (acknowledge an MQTT message, answer an
 * HTTP request, move a log checkpoint).
 *
 * <p>Meters, tagged with the adapter: the {@link dev.eddy.observability.EddyMeter.Component#ADAPTER} meters of
 * the catalogue (events received, published, failed and dead-lettered, the publish latency and the events in
 * flight).
 */
public final class EventPublisher implements AutoCloseable {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(EventPublisher.class);

    /** Headers of a dead letter: why, as a code and in words, and which adapter. */
    public static final String DLQ_REASON = EventRecords.DLQ_REASON;
    public static final String DLQ_MESSAGE = EventRecords.DLQ_MESSAGE;
    public static final String DLQ_ADAPTER = EventRecords.DLQ_ADAPTER;

    /**
     * A publisher's settings.
     *
     * @param adapter         the adapter's name, for client ids, meters and dead letters
     * @param producer        more Kafka producer settings (after Eddy's own, so they win)
     * @param maxInFlight     events published and not yet acknowledged, at most
     * @param deadLetterTopic where events that cannot be made into envelopes go, with the reason
     * @param schemaRegistryUrl the registry Avro events' schemas go to; null when none is given (JSON only)
     * @param format          how events are written unless a route says otherwise
     */
    public record Options(String adapter, String bootstrapServers, String schemaRegistryUrl,
            Map<String, String> producer, int maxInFlight, String deadLetterTopic, EventFormat format) {

        /**
         * From the configuration file's {@code kafka} section.
         *
         * @throws AdapterException naming a setting that is wrong or missing
         */
        public static Options read(String adapter, Settings kafka) {
            kafka.only("bootstrapServers", "schemaRegistry", "producer", "maxInFlight", "deadLetterTopic", "format");
            EventFormat format = EventFormat.read(kafka, "format", EventFormat.JSON);
            String registry = kafka.text("schemaRegistry", null);
            if (format == EventFormat.AVRO && registry == null) {
                throw AdapterException.invalid(kafka.at("schemaRegistry"), null, "the schema registry's URL, such"
                        + " as http://127.0.0.1:8085: events written as Avro (format: avro) need one");
            }
            return new Options(adapter,
                    kafka.requiredText("bootstrapServers", "the Kafka brokers, host:port[,host:port...]"),
                    registry,
                    kafka.textMap("producer"),
                    kafka.integer("maxInFlight", 10_000, 1, 1_000_000),
                    kafka.text("deadLetterTopic", "eddy.dlq.trigger." + adapter),
                    format);
        }
    }

    private final Options options;
    private final KafkaProducer<byte[], byte[]> producer;
    private final EventWriter writer;
    private final KafkaHealth health;
    private final Semaphore inFlight;
    private final AdapterMeters counts;

    public EventPublisher(Options options, MeterRegistry meters) {
        this.options = options;
        Map<String, Object> props = AdapterKafka.producerProps(options, Map.of(ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000));
        try {
            this.producer = new KafkaProducer<>(props);
        } catch (KafkaException e) {
            throw new AdapterException("Cannot make a Kafka producer from the settings under 'kafka': "
                    + e.getMessage(), e);
        }
        this.writer = new EventWriter(options);
        this.health = new KafkaHealth(options);
        this.inFlight = new Semaphore(options.maxInFlight());
        String adapter = options.adapter();
        this.counts = AdapterMeters.register(adapter, meters);
        Meters.gauge(meters, EddyMeter.ADAPTER_IN_FLIGHT, Tags.of("adapter", adapter), inFlight,
                s -> options.maxInFlight() - s.availablePermits());
    }

    public Options options() {
        return options;
    }

    /**
     * Checks before the first event that the topics exist and, for events written as Avro, that their envelope
     * schema registers, so that a wrong topic or an unreachable registry fails at start, saying so, rather than with
     * the first event.
     *
     * @param avroTopics those of the topics written as Avro
     * @throws AdapterException naming what is wrong
     */
    public void check(Collection<String> topics, Collection<String> avroTopics) {
        check(options, writer, topics, avroTopics, true);
    }

    /** {@link #check(Collection, Collection)} for topics all written in the adapter's format. */
    public void check(Collection<String> topics) {
        check(topics, options.format() == EventFormat.AVRO ? topics : List.of());
    }

    /** {@link #check(Collection)}, for an adapter that writes no dead letters: its topics only. */
    public void checkWithoutDeadLetters(Collection<String> topics) {
        check(options, writer, topics, options.format() == EventFormat.AVRO ? topics : List.of(), false);
    }

    /** {@link #check} for any publisher of these settings; the dead-letter topic too when it is used. */
    static void check(Options options, EventWriter writer, Collection<String> topics,
            Collection<String> avroTopics, boolean deadLetters) {
        List<String> wrong = new ArrayList<>();
        java.util.Set<String> all = new java.util.TreeSet<>(topics);
        if (deadLetters) {
            all.add(options.deadLetterTopic());
        }
        Map<String, Object> props = AdapterKafka.clientProps(options);
        props.put(org.apache.kafka.clients.admin.AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        props.put(org.apache.kafka.clients.admin.AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(props);
        try {
            for (String topic : all) {
                try {
                    admin.describeTopics(List.of(topic)).allTopicNames().get(15, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                        wrong.add("no broker answered within 15 s");
                        break;
                    }
                    boolean missing = e.getCause()
                            instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
                    if (missing && deadLetters && topic.equals(options.deadLetterTopic())) {
                        // The adapter's own topic, as the engine makes a function's: created where it is missing.
                        AdapterKafka.createTopic(options, topic, Map.of());
                        log.info("Created the dead-letter topic {}", topic);
                        continue;
                    }
                    wrong.add(missing ? "topic '" + topic + "' does not exist (create it first: ./eddy topics"
                            + " create " + topic + " --partitions <n>)"
                            : "topic '" + topic + "': " + e.getCause().getMessage());
                } catch (java.util.concurrent.TimeoutException e) {
                    wrong.add("no broker answered within 15 s");
                    break;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AdapterException("Interrupted while checking the topics", e);
                }
            }
        } finally {
            admin.close(Duration.ofSeconds(2)); // not the default: it waits for calls that cannot finish
        }
        if (wrong.isEmpty()) {
            for (String topic : new java.util.TreeSet<>(avroTopics)) {
                try {
                    writer.registry().register(topic + "-value", Envelope.getClassSchema());
                } catch (RuntimeException e) {
                    wrong.add("the schema of topic '" + topic + "' in the registry at "
                            + options.schemaRegistryUrl() + ": " + e.getMessage());
                }
            }
        }
        if (!wrong.isEmpty()) {
            throw new AdapterException("The " + options.adapter() + " adapter cannot publish to Kafka at "
                    + options.bootstrapServers() + ": " + String.join("; ", wrong));
        }
    }

    /** What keeps it from publishing: Kafka not answering. */
    public List<String> problems() {
        return health.problems();
    }

    /** Counts an event taken from the source. */
    public void received() {
        counts.received().increment();
    }

    /**
     * Publishes an event, waiting first while {@code maxInFlight} events are unacknowledged.
     *
     * @param key the record key (UTF-8), or null
     * @return completes once Kafka has the event (acks=all); exceptionally when it will not take it
     * @throws InterruptedException while waiting for room
     */
    public CompletableFuture<Void> publish(String topic, String key, Envelope event) throws InterruptedException {
        return publish(topic, key, event, io.opentelemetry.context.Context.root());
    }

    /** Publishes an event that continues a trace (the root context for a new one). */
    public CompletableFuture<Void> publish(String topic, String key, Envelope event,
            io.opentelemetry.context.Context trace) throws InterruptedException {
        return publish(topic, key, event, trace, options.format());
    }

    /** Publishes an event in that format (a route's own). */
    public CompletableFuture<Void> publish(String topic, String key, Envelope event,
            io.opentelemetry.context.Context trace, EventFormat format) throws InterruptedException {
        ProducerRecord<byte[], byte[]> record;
        try {
            record = writer.record(topic, key, event, trace, format);
        } catch (SerdeException | AdapterException e) {
            counts.failed().increment();
            return CompletableFuture.failedFuture(e);
        }
        return send(record, counts.published());
    }

    /**
     * Publishes a tombstone: a null value under the key, so that a compacted topic forgets the key (the CDC adapter
     * sends one after each delete).
     */
    public CompletableFuture<Void> tombstone(String topic, String key) throws InterruptedException {
        byte[] keyBytes = key == null ? null : key.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return send(new ProducerRecord<byte[], byte[]>(topic, null, null, keyBytes, (byte[]) null), counts.published());
    }

    /**
     * Keeps an event that cannot be made into an envelope in the dead-letter topic, as it came, with why.
     *
     * @param context more headers saying where it came from (an MQTT topic, a file)
     * @return completes once Kafka has it
     */
    public CompletableFuture<Void> deadLetter(String key, byte[] payload, String reason, String message,
            Map<String, String> context) throws InterruptedException {
        return send(EventRecords.deadLetter(options.deadLetterTopic(), options.adapter(), key, payload, reason, message,
                context), counts.deadLettered());
    }

    private CompletableFuture<Void> send(ProducerRecord<byte[], byte[]> record, Counter done)
            throws InterruptedException {
        inFlight.acquire();
        long start = System.nanoTime();
        CompletableFuture<Void> acknowledged = new CompletableFuture<>();
        try {
            producer.send(record, (metadata, exception) -> {
                inFlight.release();
                if (exception == null) {
                    counts.latency().record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                    done.increment();
                    acknowledged.complete(null);
                } else {
                    counts.failed().increment();
                    acknowledged.completeExceptionally(exception);
                }
            });
        } catch (RuntimeException e) {
            inFlight.release();
            counts.failed().increment();
            acknowledged.completeExceptionally(e);
        }
        return acknowledged;
    }

    /** Waits for what is in flight (at most the timeout), then lets go of Kafka and the registry. */
    public void close(Duration timeout) {
        try {
            producer.close(timeout);
        } finally {
            writer.close();
            health.close();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }
}
