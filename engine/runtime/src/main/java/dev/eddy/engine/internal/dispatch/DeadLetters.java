package dev.eddy.engine.internal.dispatch;

import dev.eddy.engine.DeadLetterHeaders;
import dev.eddy.engine.EddyException;
import dev.eddy.engine.FailureReason;
import dev.eddy.engine.FunctionDefinition;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.Executor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Writes records that failed for good to the function's dead-letter topic: the record's key, value, timestamp
 * and headers as they were, plus {@link DeadLetterHeaders} saying where it came from and why it failed. The
 * record's chunk stays pending until Kafka has the dead letter; if Kafka refuses it (the topic is missing, the
 * record is too large once the headers are added), the chunk is marked failed, so that the record's offset is not
 * committed and the function stops with that reason.
 *
 * <p>Threading: called from lane threads, and from the producer's thread through {@link #outputRefused}, which
 * hands the send to the executor, since a producer callback must not wait on the producer.
 */
final class DeadLetters {

    private final FunctionDefinition function;
    private final Producer<byte[], byte[]> producer;
    private final FunctionMetrics metrics;
    private final FailureLog failureLog;
    private final Executor executor;
    private final Ticker ticker;

    DeadLetters(FunctionDefinition function, Producer<byte[], byte[]> producer, FunctionMetrics metrics,
            FailureLog failureLog, Executor executor, Ticker ticker) {
        this.ticker = ticker;
        this.function = function;
        this.producer = producer;
        this.metrics = metrics;
        this.failureLog = failureLog;
        this.executor = executor;
    }

    /** A record the handler failed on for good. */
    void send(Chunk chunk, ConsumerRecord<byte[], byte[]> record, Attempts attempts, FailureReason reason) {
        chunk.retain();
        failureLog.deadLettered(record, reason, attempts.count(), attempts.lastError());
        ProducerRecord<byte[], byte[]> letter;
        try {
            letter = letter(record, attempts, reason);
        } catch (RuntimeException e) {
            refused(chunk, record, e);
            return;
        }
        try {
            producer.send(letter, (metadata, exception) -> {
                if (exception != null) {
                    refused(chunk, record, exception);
                } else {
                    metrics.deadLettered(reason).increment();
                    chunk.release();
                }
            });
        } catch (RuntimeException e) {
            refused(chunk, record, e);
            return;
        }
        replyWithError(record, reason, attempts.lastError());
    }

    /** A caller waiting for the record's reply hears why there is none. */
    private void replyWithError(ConsumerRecord<byte[], byte[]> record, FailureReason reason, Throwable error) {
        String replyTo = Replies.replyTo(record);
        if (replyTo == null) {
            return;
        }
        String message = error == null ? reason.name() : String.valueOf(error.getMessage());
        try {
            producer.send(Replies.error(replyTo, record, reason.name(), message), (metadata, exception) -> {
                if (exception != null) {
                    failureLog.replyFailed(record, replyTo, exception);
                }
            });
        } catch (RuntimeException e) {
            failureLog.replyFailed(record, replyTo, e);
        }
    }

    /** A record whose emit Kafka refused for good; called on the producer's thread. */
    void outputRefused(Chunk chunk, ConsumerRecord<byte[], byte[]> record, Exception refusal) {
        chunk.retain();
        Attempts attempts = new Attempts();
        attempts.failed(ticker.millis(), ticker.nanoTime(), refusal);
        executor.execute(() -> {
            try {
                send(chunk, record, attempts, FailureReason.OUTPUT_REFUSED);
            } finally {
                chunk.release();
            }
        });
    }

    private void refused(Chunk chunk, ConsumerRecord<byte[], byte[]> record, Throwable cause) {
        chunk.fail(new DeadLetterException(function.name(), function.deadLetterTopic(), record, cause));
        chunk.release();
    }

    private ProducerRecord<byte[], byte[]> letter(ConsumerRecord<byte[], byte[]> record, Attempts attempts,
            FailureReason reason) {
        RecordHeaders headers = new RecordHeaders();
        for (Header header : record.headers()) {
            headers.add(header);
        }
        Throwable error = attempts.lastError();
        DeadLetterHeaders.add(headers, new TopicPartition(record.topic(), record.partition()), record.offset(),
                function.name(), function.version(), reason, attempts.count(), error,
                error == null ? "" : error.getMessage(), Instant.ofEpochMilli(attempts.firstFailureMillis()),
                Instant.ofEpochMilli(attempts.lastFailureMillis()));
        Long timestamp = record.timestamp() >= 0 ? record.timestamp() : null;
        return new ProducerRecord<>(function.deadLetterTopic(), null, timestamp, record.key(), record.value(), headers);
    }


    /** A failed record could not be written to the dead-letter topic either. */
    static final class DeadLetterException extends EddyException {
        DeadLetterException(String function, String topic, ConsumerRecord<?, ?> record, Throwable cause) {
            super("Function '" + function + "' could not write record " + record.topic() + "-" + record.partition()
                    + "@" + record.offset() + " to its dead-letter topic '" + topic + "' (" + cause + "). The record's"
                    + " offset is not committed; the function stops so that nothing after it is lost either.", cause);
        }
    }
}
