package dev.eddy.engine.dlq;

import dev.eddy.engine.EddyException;
import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.kafka.ClientConfigs;
import dev.eddy.engine.kafka.Sends;
import dev.eddy.engine.kafka.TopicReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * A function's dead-letter topic, to read and to replay from. Replaying sends a dead letter, as the record was, to
 * the function's replay topic, which only that function reads; the record carries {@link #REPLAYED_FROM} to say
 * which dead letter it was. Dead letters stay where they are: replaying twice handles a record twice.
 */
public final class DeadLetterTopic {

    /** The header a replayed record carries: {@code <dead-letter topic>:<partition>:<offset>}. */
    public static final String REPLAYED_FROM = "eddy.replayed.from";

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    private final EngineConfig config;
    private final String topic;

    public DeadLetterTopic(EngineConfig config, String topic) {
        this.config = config;
        this.topic = topic;
    }

    public String topic() {
        return topic;
    }

    /** The newest {@code limit} dead letters that pass the filter, oldest first. */
    public List<DeadLetter> read(int limit, Predicate<DeadLetter> filter) {
        Deque<DeadLetter> newest = new ArrayDeque<>();
        readAll(letter -> {
            if (filter.test(letter)) {
                newest.addLast(letter);
                if (newest.size() > limit) {
                    newest.removeFirst();
                }
            }
        });
        return List.copyOf(newest);
    }

    /** The dead letters of the given ids ({@code <partition>:<offset>}, or an offset of partition 0). */
    public List<DeadLetter> find(List<String> ids) {
        List<DeadLetter> found = new ArrayList<>();
        List<String> wanted = ids.stream().map(id -> id.contains(":") ? id : "0:" + id).toList();
        readAll(letter -> {
            if (wanted.contains(letter.id())) {
                found.add(letter);
            }
        });
        List<String> missing = new ArrayList<>(wanted);
        found.forEach(letter -> missing.remove(letter.id()));
        if (!missing.isEmpty()) {
            throw new EddyException("No dead letter " + missing + " in topic '" + topic + "'; './eddy dlq list' shows"
                    + " the ids there are");
        }
        return found;
    }

    /**
     * Sends the dead letters to the replay topic and waits until Kafka has them all.
     *
     * @return how many were sent
     */
    public int replay(List<DeadLetter> letters, String replayTopic) {
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                ClientConfigs.producer(config, "eddy-dlq-replay"))) {
            for (DeadLetter letter : letters) {
                RecordHeaders headers = new RecordHeaders();
                letter.originalHeaders().forEach(headers::add);
                headers.add(REPLAYED_FROM, (topic + ":" + letter.id()).getBytes(StandardCharsets.UTF_8));
                Long timestamp = letter.timestamp() >= 0 ? letter.timestamp() : null;
                sends.add(producer.send(new ProducerRecord<>(replayTopic, null, timestamp, letter.key(),
                        letter.value(), headers)));
            }
            Sends.awaitAll(sends, READ_TIMEOUT, "replaying to '" + replayTopic + "'");
        }
        return sends.size();
    }

    private void readAll(java.util.function.Consumer<DeadLetter> sink) {
        TopicReader.readAll(config, topic, READ_TIMEOUT, "There is no dead-letter topic '" + topic + "' on "
                + config.bootstrapServers() + "; is the function deployed there?",
                record -> sink.accept(DeadLetter.of(record.partition(), record.offset(), record.timestamp(),
                        record.key(), record.value(), record.headers())));
    }

    /** Renders bytes for a terminal: UTF-8 text with control characters escaped, cut at {@code max} characters. */
    public static String printable(byte[] bytes, int max) {
        if (bytes == null) {
            return "null";
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length() && out.length() < max; i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\ufffd') {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        if (out.length() >= max && text.length() > max) {
            out.append("…");
        }
        return out.toString();
    }

    /** A header value for a terminal. */
    public static String printable(Header header, int max) {
        return printable(header.value(), max);
    }
}
