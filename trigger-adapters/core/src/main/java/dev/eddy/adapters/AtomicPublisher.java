package dev.eddy.adapters;

import dev.eddy.schemas.events.Envelope;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared publisher's all-or-nothing form, for adapters that keep something beside their events — the HTTP
 * adapter its idempotency keys, the log adapter its file positions: a group of records (events and such side
 * records) goes into Kafka whole or not at all, in a Kafka transaction. Groups are committed together, a few
 * milliseconds' worth per transaction, so that the transactions cost little; a group's future completes once the
 * transaction holding it has committed. Readers of the topics must be {@code read_committed} (Eddy's are), or they
 * see what an aborted transaction wrote.
 *
 * <p>The transactional id must stay the same across the adapter's restarts (and be its own among adapters): a
 * restarted adapter then fences its former self and aborts whatever that left open.
 */
public final class AtomicPublisher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AtomicPublisher.class);
    /** How long the committer waits for more groups to join a transaction. */
    private static final Duration LINGER = Duration.ofMillis(5);
    private static final int MAX_GROUPS_PER_TRANSACTION = 1000;
    /**
     * How long a transaction may stay open: a group commit takes milliseconds, and a transaction a killed instance
     * left open holds back what read_committed readers see (the HTTP adapters' shared idempotency keys) until the
     * broker aborts it, this long after it began.
     */
    public static final Duration TRANSACTION_TIMEOUT = Duration.ofSeconds(15);

    /** A record to publish in a group, made ready (serialized) by {@link #event} or {@link #record}. */
    public record Outgoing(ProducerRecord<byte[], byte[]> record, boolean isEvent) {
    }

    private record Group(List<Outgoing> records, CompletableFuture<Void> committed, long startNanos) {
    }

    /** A record larger than Kafka takes: refused before it is sent. */
    public static final class TooLarge extends KafkaException {
        private static final long serialVersionUID = 1L;

        TooLarge(String message) {
            super(message);
        }
    }

    private final EventPublisher.Options options;
    private final KafkaProducer<byte[], byte[]> producer;
    private final EventWriter writer;
    private final KafkaHealth health;
    private final String transactionalId;
    private final BlockingQueue<Group> queue;
    private final Thread committer;
    private final AdapterMeters counts;
    private final int maxRecordBytes;
    private volatile boolean closing;
    private volatile KafkaException fatal;
    private final CompletableFuture<Throwable> failed = new CompletableFuture<>();

    public AtomicPublisher(EventPublisher.Options options, String transactionalId, MeterRegistry meters) {
        this.options = options;
        Map<String, Object> props = AdapterKafka.producerProps(options, Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId, ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) TRANSACTION_TIMEOUT.toMillis()));
        this.maxRecordBytes = Integer.parseInt(String.valueOf(props.getOrDefault(
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1024 * 1024)));
        try {
            this.producer = new KafkaProducer<>(props);
            producer.initTransactions(); // fences a former instance and aborts what it left open
        } catch (KafkaException e) {
            throw new AdapterException("Cannot start a transactional Kafka producer '" + transactionalId + "' at "
                    + options.bootstrapServers() + ": " + e.getMessage(), e);
        }
        this.writer = new EventWriter(options);
        this.health = new KafkaHealth(options);
        this.transactionalId = transactionalId;
        this.queue = new LinkedBlockingQueue<>(options.maxInFlight());
        String adapter = options.adapter();
        this.counts = AdapterMeters.register(adapter, meters);
        this.committer = Thread.ofPlatform().name("eddy-" + adapter + "-committer").daemon().start(this::commitLoop);
    }

    /**
     * Checks before the first event that the topics exist and, for Avro, that their envelope schema registers.
     *
     * @throws AdapterException naming what is wrong
     */
    public void check(java.util.Collection<String> topics) {
        EventPublisher.check(options, writer, topics, options.format() == EventFormat.AVRO ? topics
                : java.util.List.of(), false);
    }

    /**
     * An event, ready to publish.
     *
     * @throws dev.eddy.schemas.serde.SerdeException when it cannot be written or its schema registered
     */
    public Outgoing event(String topic, String key, Envelope event) {
        return event(topic, key, event, io.opentelemetry.context.Context.root());
    }

    /** An event that continues a trace (see {@link EventRecords#of}). */
    public Outgoing event(String topic, String key, Envelope event, io.opentelemetry.context.Context trace) {
        return new Outgoing(writer.record(topic, key, event, trace), true);
    }

    /** A record beside the events (a key, a position), ready to publish. */
    public static Outgoing record(ProducerRecord<byte[], byte[]> record) {
        return new Outgoing(record, false);
    }

    /**
     * What keeps it from publishing: Kafka not answering, or a producer that cannot go on (fenced by another with
     * the same transactional id, refused by the cluster's ACLs).
     */
    public List<String> problems() {
        List<String> problems = new ArrayList<>(health.problems());
        KafkaException stopped = fatal;
        if (stopped instanceof ProducerFencedException) {
            problems.add("the transactional producer '" + transactionalId + "' was fenced: another adapter uses the"
                    + " same transactional id (give each its own); this one publishes no more");
        } else if (stopped != null) {
            problems.add("the transactional producer '" + transactionalId + "' cannot go on: " + stopped);
        }
        return problems;
    }

    /** Completes with the producer's error when one stops it for good (see {@link TriggerAdapter#failed}). */
    public CompletableFuture<Throwable> failed() {
        return failed;
    }

    /** Counts an event taken from the source. */
    public void received() {
        counts.received().increment();
    }

    /** Counts events taken from the source. */
    public void received(int events) {
        counts.received().increment(events);
    }

    /**
     * Publishes a group of records whole or not at all; waits while {@code maxInFlight} groups wait.
     *
     * @return completes once the transaction holding the group has committed; exceptionally when it did not
     */
    public CompletableFuture<Void> publish(List<Outgoing> records) throws InterruptedException {
        for (Outgoing outgoing : records) {
            int size = EventRecords.size(outgoing.record());
            if (size > maxRecordBytes) {
                // Refused here, alone: in the transaction it would take the other requests' events down with it.
                return CompletableFuture.failedFuture(new TooLarge("an event would take about " + size + " bytes in"
                        + " Kafka, over the producer's max.request.size of " + maxRecordBytes));
            }
        }
        if (fatal != null || closing) {
            counts.failed().increment(events(records));
            return CompletableFuture.failedFuture(fatal != null ? fatal
                    : new IllegalStateException("the " + options.adapter() + " adapter is stopping"));
        }
        Group group = new Group(List.copyOf(records), new CompletableFuture<>(), System.nanoTime());
        queue.put(group);
        return group.committed();
    }

    /**
     * Publishes a group as {@link #publish} does and waits at most the timeout for its commit. A group not
     * committed in time counts as failed, as its source is told it was not taken (it may still be committed later,
     * and then counts as published too: at-least-once).
     */
    public void publishAndWait(List<Outgoing> records, Duration timeout)
            throws ExecutionException, TimeoutException, InterruptedException {
        CompletableFuture<Void> committed = publish(records);
        try {
            committed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            if (committed.completeExceptionally(e)) {
                counts.failed().increment(events(records));
            }
            throw e;
        }
    }

    private static long events(List<Outgoing> records) {
        return records.stream().filter(Outgoing::isEvent).count();
    }

    private void commitLoop() {
        List<Group> batch = new ArrayList<>();
        while (!closing || !queue.isEmpty()) {
            try {
                Group first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                long until = System.nanoTime() + LINGER.toNanos();
                while (batch.size() < MAX_GROUPS_PER_TRANSACTION) {
                    Group next = queue.poll(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (next == null) {
                        break;
                    }
                    batch.add(next);
                }
                commit(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                batch.clear();
            }
            if (fatal != null) {
                failed.complete(fatal);
                Group left;
                while ((left = queue.poll()) != null) {
                    if (left.committed().completeExceptionally(fatal)) {
                        counts.failed().increment(events(left.records()));
                    }
                }
                return;
            }
        }
    }

    private void commit(List<Group> batch) {
        try {
            producer.beginTransaction();
            for (Group group : batch) {
                for (Outgoing outgoing : group.records()) {
                    producer.send(outgoing.record());
                }
            }
            producer.commitTransaction();
        } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException e) {
            fatal = e;
            log.error("The {} adapter's transactional producer cannot go on ({}); it stops publishing",
                    options.adapter(), e.toString());
            fail(batch, e);
            return;
        } catch (KafkaException e) {
            try {
                producer.abortTransaction();
            } catch (KafkaException abort) {
                fatal = abort;
            }
            fail(batch, e);
            return;
        }
        long now = System.nanoTime();
        for (Group group : batch) {
            long events = group.records().stream().filter(Outgoing::isEvent).count();
            counts.published().increment(events);
            counts.latency().record(now - group.startNanos(), TimeUnit.NANOSECONDS);
            group.committed().complete(null);
        }
    }

    private void fail(List<Group> batch, Exception e) {
        for (Group group : batch) {
            if (group.committed().completeExceptionally(e)) { // not counted already, when its wait timed out
                counts.failed().increment(events(group.records()));
            }
        }
    }

    /** Commits what was published before the call (for at most the timeout), then lets go of Kafka. */
    public void close(Duration timeout) {
        closing = true;
        try {
            committer.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            producer.close(Duration.ofSeconds(5));
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
