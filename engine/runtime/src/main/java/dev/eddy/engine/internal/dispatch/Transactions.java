package dev.eddy.engine.internal.dispatch;

import dev.eddy.engine.EddyException;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/**
 * An exactly-once function's transactions on its producer: one is always open while the function runs, and
 * ending one (committed with the input offsets, or aborted) begins the next unless the function stops.
 *
 * <p>Threading: the poll loop's only.
 */
final class Transactions {

    private final String function;
    private final Producer<byte[], byte[]> producer;

    Transactions(String function, Producer<byte[], byte[]> producer) {
        this.function = function;
        this.producer = producer;
    }

    /** Fences this engine's former self (same transactional id), aborts what it left open, and begins. */
    void start() {
        producer.initTransactions();
        producer.beginTransaction();
    }

    /**
     * Commits the open transaction: everything sent in it, and the offsets for the group.
     *
     * @param next whether to begin the next transaction
     * @throws TransactionException when Kafka refuses (fenced by a newer instance, or thrown out of the group)
     */
    void commit(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group, boolean next) {
        try {
            if (!offsets.isEmpty()) {
                producer.sendOffsetsToTransaction(offsets, group);
            }
            producer.commitTransaction();
            if (next) {
                producer.beginTransaction();
            }
        } catch (KafkaException e) {
            throw new TransactionException(function, "commit", e);
        }
    }

    /**
     * Aborts the open transaction: nothing sent in it becomes visible to read_committed consumers.
     *
     * @param next whether to begin the next transaction
     */
    void abort(boolean next) {
        try {
            producer.abortTransaction();
            if (next) {
                producer.beginTransaction();
            }
        } catch (KafkaException e) {
            throw new TransactionException(function, "abort", e);
        }
    }

    /** The function failed: aborts the open transaction and begins none (whatever fails here is thrown). */
    void abandon() {
        producer.abortTransaction();
    }

    /** A transaction could not be ended: the function must stop, and its records are handled again elsewhere. */
    static final class TransactionException extends EddyException {
        TransactionException(String function, String what, KafkaException cause) {
            super("Function '" + function + "' could not " + what + " its transaction (" + cause + "); it stops, and"
                    + " the records of this transaction are handled again by whoever owns their partitions", cause);
        }
    }
}
