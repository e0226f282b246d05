package dev.eddy.engine.internal.tables;

import dev.eddy.engine.EddyException;
import dev.eddy.sdk.Table;
import dev.eddy.sdk.TableSpec;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/**
 * One table of a function: its topic read from the beginning by a consumer of its own (no group: every partition,
 * read_committed) into memory, each key's latest record, a tombstone removing the key; then followed for as long as
 * the function runs. It is loaded once it has read up to the ends the topic had when it started.
 *
 * <p>Threading: one thread of its own applies the records; lookups from any thread see each key's latest record
 * applied (a concurrent map).
 */
final class TableReader implements AutoCloseable {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(TableReader.class);

    /** A key's latest record, and its value decoded once it is first looked up. */
    private static final class Row {
        final byte[] value;
        volatile Object decoded;

        Row(byte[] value) {
            this.value = value;
        }
    }

    private final String function;
    private final String name;
    private final String topic;
    private final java.util.function.Supplier<Consumer<byte[], byte[]>> newConsumer;
    /** Made on the reader's thread when it starts; null before. */
    private volatile Consumer<byte[], byte[]> consumer;
    private final Map<ByteBuffer, Row> rows = new ConcurrentHashMap<>();
    private final CountDownLatch loaded = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable failure;

    /** @param newConsumer makes the reader's consumer, when it starts */
    TableReader(String function, String name, String topic,
            java.util.function.Supplier<Consumer<byte[], byte[]>> newConsumer) {
        this.function = function;
        this.name = name;
        this.topic = topic;
        this.newConsumer = newConsumer;
        this.thread = Thread.ofPlatform().name("eddy-table-" + function + "-" + name).daemon().unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    private void run() {
        Consumer<byte[], byte[]> consumer;
        try {
            consumer = newConsumer.get();
        } catch (RuntimeException e) {
            failure = e;
            loaded.countDown();
            return;
        }
        this.consumer = consumer;
        if (!running) {
            consumer.close(Duration.ZERO);
            loaded.countDown();
            return;
        }
        try {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            if (partitions.isEmpty()) {
                throw new EddyException("Function '" + function + "': the topic '" + topic + "' of its table '" + name
                        + "' does not exist (create it, compacted, first)");
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = new HashMap<>(consumer.endOffsets(partitions));
            while (running) {
                if (loaded.getCount() > 0) {
                    ends.entrySet().removeIf(end -> consumer.position(end.getKey()) >= end.getValue());
                    if (ends.isEmpty()) {
                        log.info("Function '{}': table '{}' loaded from '{}', {} keys", function, name, topic,
                                rows.size());
                        loaded.countDown();
                    }
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    apply(record);
                }
            }
        } catch (WakeupException e) {
            // closed
        } catch (RuntimeException e) {
            failure = e;
            log.error("Function '{}': its table '{}' stopped following '{}'", function, name, topic, e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
            loaded.countDown(); // nobody waits for a table that will not load: they see the failure
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> record) {
        if (record.key() == null) {
            return; // a table's rows have keys
        }
        ByteBuffer key = ByteBuffer.wrap(record.key());
        if (record.value() == null) {
            rows.remove(key);
        } else {
            rows.put(key, new Row(record.value()));
        }
    }

    /**
     * Waits until the table is loaded.
     *
     * @throws EddyException when it is not within the timeout, or its reader failed
     */
    void awaitLoaded(Duration timeout) {
        try {
            if (!loaded.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new EddyException("Function '" + function + "': its table '" + name + "' was not read to the"
                        + " end of '" + topic + "' within " + timeout.toSeconds() + " s (" + rows.size()
                        + " keys so far)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EddyException("Interrupted while loading table '" + name + "'", e);
        }
        if (failure != null) {
            throw new EddyException("Function '" + function + "': its table '" + name + "' could not be read from '"
                    + topic + "': " + failure.getMessage(), failure);
        }
    }

    /** The table, its values decoded by the spec's codec. */
    <V> Table<V> view(TableSpec<V> spec) {
        return new Table<>() {
            @Override
            @SuppressWarnings("unchecked")
            public Optional<V> get(byte[] key) {
                Row row = rows.get(ByteBuffer.wrap(key));
                if (row == null) {
                    return Optional.empty();
                }
                Object decoded = row.decoded;
                if (decoded == null) {
                    decoded = spec.codec().decode(row.value);
                    row.decoded = decoded;
                }
                return Optional.ofNullable((V) decoded);
            }

            @Override
            public long size() {
                return rows.size();
            }
        };
    }

    @Override
    public void close() {
        running = false;
        Consumer<byte[], byte[]> current = consumer;
        if (current != null) {
            current.wakeup();
        }
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
