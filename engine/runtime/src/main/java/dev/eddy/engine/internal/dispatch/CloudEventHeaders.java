package dev.eddy.engine.internal.dispatch;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The CloudEvents Kafka protocol binding (binary content mode) for the records a function emits (every one, or
 * those whose input is a CloudEvent: {@link dev.eddy.engine.CloudEventsMode}): each carries
 * {@code ce_specversion}, {@code ce_id}, {@code ce_source} and {@code ce_type} headers, so that Knative and other
 * CloudEvents consumers understand it. An emitted event is a new event:
 * <ul>
 *   <li>{@code ce_id} is {@code <input topic>:<partition>:<offset>:<n>} — the input it came from and the how-manieth
 *       emit of its call it was — unique per source, and the same when a retry or a replay after a crash emits it
 *       again, so that a consumer can drop repeats by id;</li>
 *   <li>{@code ce_source} is {@code /eddy/functions/<function>};</li>
 *   <li>{@code ce_type} is {@code dev.eddy.<function>.<output>}.</li>
 * </ul>
 * An attribute the handler set itself (a header whose value is not the input's own) is kept; one carried over
 * from the input, as {@code event.withValue(...)} carries headers, is replaced. {@code ce_subject}, {@code ce_time}
 * and {@code content-type} are left as the event has them ({@code Output} sets {@code content-type} from its codec).
 *
 * <p>Threading: immutable once made; used from every lane.
 */
final class CloudEventHeaders {

    static final String SPECVERSION = "ce_specversion";
    static final String ID = "ce_id";
    static final String SOURCE = "ce_source";
    static final String TYPE = "ce_type";
    private static final byte[] SPEC_1_0 = "1.0".getBytes(StandardCharsets.UTF_8);

    private final boolean always;
    private final byte[] source;
    /** ce_type by output topic. */
    private final Map<String, byte[]> types = new HashMap<>();
    /** The start of the ids of each input partition's emits: {@code <topic>:<partition>:} in UTF-8. */
    private final PartitionCache<byte[]> prefixes = new PartitionCache<>((topic, partition) ->
            (topic + ':' + partition + ':').getBytes(StandardCharsets.UTF_8));

    /**
     * @param outputs the function's outputs: name → topic
     * @param always  whether every emitted record is stamped, or only those whose input is a CloudEvent
     */
    CloudEventHeaders(String function, Map<String, String> outputs, boolean always) {
        this.always = always;
        this.source = ("/eddy/functions/" + function).getBytes(StandardCharsets.UTF_8);
        outputs.forEach((name, topic) -> types.putIfAbsent(topic,
                ("dev.eddy." + function + "." + name).getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Stamps an emitted record, if it is to be stamped.
     *
     * @param input the input record the emit belongs to (a batch's first, for an emit of the whole batch)
     * @param emit  which emit of its call this is, from 0
     */
    void stamp(String topic, Headers headers, ConsumerRecord<byte[], byte[]> input, int emit) {
        if (!always && input.headers().lastHeader(SPECVERSION) == null) {
            return;
        }
        byte[] type = types.get(topic);
        if (!headers.iterator().hasNext()) { // the commonest case: nothing to keep or replace
            headers.add(SPECVERSION, SPEC_1_0);
            headers.add(ID, id(input, emit));
            headers.add(SOURCE, source);
            headers.add(TYPE, type);
            return;
        }
        headers.remove(SPECVERSION);
        headers.add(SPECVERSION, SPEC_1_0);
        set(headers, input, ID, () -> id(input, emit));
        set(headers, input, SOURCE, () -> source);
        set(headers, input, TYPE, () -> type);
    }

    /** Sets the attribute once: to the handler's own value if it gave one, else to ours. */
    private static void set(Headers headers, ConsumerRecord<byte[], byte[]> input, String name,
            Supplier<byte[]> ours) {
        Header present = headers.lastHeader(name);
        byte[] value = null;
        if (present != null) {
            Header inherited = input.headers().lastHeader(name);
            if (inherited == null || !Arrays.equals(inherited.value(), present.value())) {
                value = present.value(); // the handler's own
            }
            headers.remove(name);
        }
        headers.add(name, value != null ? value : ours.get());
    }

    /** {@code <topic>:<partition>:<offset>:<emit>}, written straight into bytes: it is made for every record. */
    private byte[] id(ConsumerRecord<byte[], byte[]> input, int emit) {
        byte[] prefix = prefixes.get(input.topic(), input.partition());
        long offset = input.offset();
        int offsetDigits = digits(offset);
        byte[] id = Arrays.copyOf(prefix, prefix.length + offsetDigits + 1 + digits(emit));
        writeDigits(id, prefix.length + offsetDigits, offset);
        id[prefix.length + offsetDigits] = ':';
        writeDigits(id, id.length, emit);
        return id;
    }

    private static int digits(long value) {
        int digits = 1;
        for (long rest = value / 10; rest > 0; rest /= 10) {
            digits++;
        }
        return digits;
    }

    /** Writes a non-negative number's digits so that the last ends just before {@code end}. */
    private static void writeDigits(byte[] into, int end, long value) {
        int at = end;
        do {
            into[--at] = (byte) ('0' + value % 10);
            value /= 10;
        } while (value > 0);
    }
}
