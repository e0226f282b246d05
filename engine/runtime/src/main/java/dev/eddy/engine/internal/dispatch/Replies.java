package dev.eddy.engine.internal.dispatch;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Request and reply through Kafka, for synchronous invocation (the HTTP adapter's {@code /v1/invoke}): an input
 * record with an {@code eddy.reply.to} header (a topic named {@code eddy.replies.*}, so that a header cannot send
 * copies anywhere else) and an {@code eddy.correlation.id} header gets, on that topic, a copy of every event its call
 * emits to the function's default output, carrying the correlation id; a record that is dead-lettered gets an error
 * reply ({@code eddy.reply.error}: the reason; the value: the error's message).
 *
 * <p>Threading: stateless; called from lanes and the producer's thread.
 */
final class Replies {

    static final String REPLY_TO = "eddy.reply.to";
    static final String CORRELATION_ID = "eddy.correlation.id";
    static final String REPLY_ERROR = "eddy.reply.error";
    private static final Pattern REPLY_TOPIC = Pattern.compile("eddy\\.replies\\.[A-Za-z0-9._-]{1,200}");

    private Replies() {
    }

    /** The topic the input asks replies on, or null (none, or not a reply topic). */
    static String replyTo(ConsumerRecord<byte[], byte[]> input) {
        if (input == null) {
            return null;
        }
        Header header = input.headers().lastHeader(REPLY_TO);
        if (header == null || header.value() == null) {
            return null;
        }
        String topic = new String(header.value(), StandardCharsets.UTF_8);
        return REPLY_TOPIC.matcher(topic).matches() && input.headers().lastHeader(CORRELATION_ID) != null ? topic
                : null;
    }

    /** A copy of an emitted record for the reply topic, with the input's correlation id. */
    static ProducerRecord<byte[], byte[]> copy(ProducerRecord<byte[], byte[]> emit, String replyTo,
            ConsumerRecord<byte[], byte[]> input) {
        RecordHeaders headers = new RecordHeaders();
        for (Header header : emit.headers()) {
            headers.add(header);
        }
        headers.add(CORRELATION_ID, input.headers().lastHeader(CORRELATION_ID).value());
        return new ProducerRecord<>(replyTo, 0, null, emit.key(), emit.value(), headers);
    }

    /** The error reply for an input that was dead-lettered. */
    static ProducerRecord<byte[], byte[]> error(String replyTo, ConsumerRecord<byte[], byte[]> input, String reason,
            String message) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(CORRELATION_ID, input.headers().lastHeader(CORRELATION_ID).value());
        headers.add(REPLY_ERROR, reason.getBytes(StandardCharsets.UTF_8));
        return new ProducerRecord<>(replyTo, 0, null, input.key(), message.getBytes(StandardCharsets.UTF_8), headers);
    }
}
