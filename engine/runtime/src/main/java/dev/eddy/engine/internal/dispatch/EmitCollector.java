package dev.eddy.engine.internal.dispatch;

import dev.eddy.engine.CloudEventsMode;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.observability.Tracing;
import dev.eddy.sdk.Event;
import io.opentelemetry.api.trace.Span;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.RecordTooLargeException;

/**
 * Where a function's emits go, and what Kafka's answer to each does (the analogue of Kafka Streams'
 * {@code RecordCollector}). An emit is made into a record for its output's topic (stamped as a CloudEvent unless
 * told not to, continuing the call's trace) and sent; until Kafka answers, it holds the chunk of the input it
 * belongs to (for a batch's own emit, every chunk of the batch), so that the input's offset is not committed
 * before its outputs are in Kafka. Refused for good (too large, invalid), the input goes to the dead-letter topic;
 * not taken within the producer's delivery timeout, the chunk is marked failed and the function stops.
 *
 * <p>Threading: {@link #send} from any lane; the callbacks run on the producer's thread.
 */
final class EmitCollector {

    private final String function;
    private final Map<String, String> outputs;
    /** The default output's topic, or null when the function has none. */
    private final String defaultTopic;
    private final Producer<byte[], byte[]> producer;
    private final FunctionMetrics metrics;
    private final DeadLetters deadLetters;
    /** Stamps emitted records as CloudEvents; null when the function is told not to. */
    private final CloudEventHeaders cloudEvents;

    EmitCollector(FunctionDefinition definition, Producer<byte[], byte[]> producer, FunctionMetrics metrics,
            DeadLetters deadLetters) {
        this.function = definition.name();
        this.outputs = definition.outputs();
        this.defaultTopic = outputs.get(FunctionDefinition.DEFAULT_OUTPUT);
        this.producer = producer;
        this.metrics = metrics;
        this.deadLetters = deadLetters;
        this.cloudEvents = definition.cloudEvents() == CloudEventsMode.NEVER ? null
                : new CloudEventHeaders(function, outputs, definition.cloudEvents() == CloudEventsMode.ALWAYS);
    }

    /** The topic of the function's default output; refused, naming the outputs, when it has none. */
    String defaultTopic() {
        if (defaultTopic == null) {
            throw new IllegalStateException("Function '" + function + "' has no default output; its outputs are "
                    + outputs.keySet() + ": emit to one of them by name");
        }
        return defaultTopic;
    }

    /** The topic of a named output; refused, naming the outputs, when there is no such output. */
    String topicOf(String output) {
        String topic = outputs.get(output);
        if (topic == null) {
            throw new IllegalArgumentException("Function '" + function + "' has no output named '" + output
                    + "'; its outputs are " + outputs.keySet());
        }
        return topic;
    }

    /**
     * The record of an emitted event, for its topic.
     *
     * @param input   the input it belongs to (its CloudEvent's source and id derive from it)
     * @param emitted how many events the call emitted before this one
     * @param span    the call's span, which the record continues; null when the input carries no trace
     */
    ProducerRecord<byte[], byte[]> record(String topic, Event event, ConsumerRecord<byte[], byte[]> input,
            int emitted, Span span) {
        ProducerRecord<byte[], byte[]> emit = KafkaEvents.toRecord(topic, event);
        if (cloudEvents != null) {
            cloudEvents.stamp(topic, emit.headers(), input, emitted);
        }
        if (span != null) {
            Tracing.inject(span, emit.headers());
        }
        return emit;
    }

    /** The copy of an emit that answers a request-reply input, or null when the emit is not a reply. */
    ProducerRecord<byte[], byte[]> replyCopy(ProducerRecord<byte[], byte[]> emit,
            ConsumerRecord<byte[], byte[]> input) {
        String replyTo = emit.topic().equals(defaultTopic) ? Replies.replyTo(input) : null;
        return replyTo == null ? null : Replies.copy(emit, replyTo, input);
    }

    /**
     * Sends an emit, holding its chunks until Kafka answers.
     *
     * @param more  further chunks that wait for it, or null (the common case)
     * @param acked the call's count of answered emits, or null
     * @throws RuntimeException when the producer refuses the record outright (closed, fenced, out of buffer
     *                          space): the chunks are marked failed and let go
     */
    Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> emit, Chunk holder, List<Chunk> more,
            ConsumerRecord<byte[], byte[]> input, EmitsAcked acked) {
        holder.retain();
        if (more != null) {
            more.forEach(Chunk::retain);
        }
        if (acked != null) {
            acked.sending();
        }
        try {
            return producer.send(emit, new EmitCallback(holder, more, input, acked));
        } catch (RuntimeException e) {
            if (acked != null) {
                acked.answered(e);
            }
            holder.fail(e);
            holder.release();
            if (more != null) {
                more.forEach(chunk -> {
                    chunk.fail(e);
                    chunk.release();
                });
            }
            throw e;
        }
    }

    /** Kafka's answer to one emit, tied to the chunk (for a batch's own emit, chunks) that must wait for it. */
    private final class EmitCallback implements Callback {
        private final Chunk holder;
        private final List<Chunk> more;
        private final ConsumerRecord<byte[], byte[]> source;
        private final EmitsAcked acked;

        EmitCallback(Chunk holder, List<Chunk> more, ConsumerRecord<byte[], byte[]> source, EmitsAcked acked) {
            this.holder = holder;
            this.more = more;
            this.source = source;
            this.acked = acked;
        }

        @Override
        public void onCompletion(RecordMetadata metadata, Exception exception) {
            if (exception == null) {
                metrics.emits.increment();
            } else if (exception instanceof RecordTooLargeException || exception instanceof InvalidRecordException) {
                deadLetters.outputRefused(holder, source, exception);
            } else {
                holder.fail(exception);
                if (more != null) {
                    more.forEach(chunk -> chunk.fail(exception));
                }
            }
            if (acked != null) {
                acked.answered(exception);
            }
            holder.release();
            if (more != null) {
                more.forEach(Chunk::release);
            }
        }
    }

    /**
     * A call's emits, counted as Kafka answers them: completes once the call has returned and every emit is
     * answered (exceptionally if one failed).
     */
    static final class EmitsAcked {
        /** Emits unanswered, plus one until the call has returned. */
        private final AtomicInteger unanswered = new AtomicInteger(1);
        private final CompletableFuture<Void> all = new CompletableFuture<>();
        private volatile Exception failure;

        void sending() {
            unanswered.incrementAndGet();
        }

        void answered(Exception exception) {
            if (exception != null) {
                failure = exception;
            }
            if (unanswered.decrementAndGet() == 0) {
                if (failure == null) {
                    all.complete(null);
                } else {
                    all.completeExceptionally(failure);
                }
            }
        }

        /** The call returned: no more emits. */
        CompletableFuture<Void> sealed() {
            answered(null);
            return all;
        }
    }
}
