package dev.eddy.engine.dlq;

import dev.eddy.engine.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Header;

/**
 * One record of a dead-letter topic: where it sits there, the record as it was, and what Eddy's headers say about
 * its failure.
 *
 * @param partition       its partition in the dead-letter topic
 * @param offset          its offset there
 * @param timestamp       the original record's timestamp, epoch milliseconds
 * @param key             the original key; may be null
 * @param value           the original value; may be null
 * @param originalHeaders the original record's headers, Eddy's own left out
 * @param eddyHeaders     Eddy's {@link DeadLetterHeaders}, by name, as text
 */
public record DeadLetter(int partition, long offset, long timestamp, byte[] key, byte[] value,
        List<Header> originalHeaders, Map<String, String> eddyHeaders) {

    static DeadLetter of(int partition, long offset, long timestamp, byte[] key, byte[] value,
            Iterable<Header> headers) {
        Map<String, String> eddy = new LinkedHashMap<>();
        List<Header> original = new java.util.ArrayList<>();
        for (Header header : headers) {
            if (header.key().startsWith(DeadLetterHeaders.PREFIX)) {
                eddy.put(header.key(), header.value() == null ? "" : new String(header.value(), StandardCharsets.UTF_8));
            } else {
                original.add(header);
            }
        }
        return new DeadLetter(partition, offset, timestamp, key, value, List.copyOf(original), Map.copyOf(eddy));
    }

    /** How the dead letter is named on the command line: {@code <partition>:<offset>}. */
    public String id() {
        return partition + ":" + offset;
    }

    public String header(String name) {
        return eddyHeaders.getOrDefault(name, "");
    }

    public String reason() {
        return header(DeadLetterHeaders.REASON);
    }

    /** Where it was read from: {@code topic-partition@offset}. */
    public String source() {
        return header(DeadLetterHeaders.SOURCE_TOPIC) + "-" + header(DeadLetterHeaders.SOURCE_PARTITION) + "@"
                + header(DeadLetterHeaders.SOURCE_OFFSET);
    }
}
