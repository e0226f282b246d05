package dev.eddy.sdk.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.eddy.sdk.Codec;
import dev.eddy.sdk.CodecException;
import dev.eddy.sdk.spi.JsonBinding;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * {@link Codec#json} by Jackson: records and beans, {@code java.time} values as ISO-8601 text, unknown properties
 * ignored (so that a producer may add fields without breaking its consumers), a missing primitive refused.
 */
public final class JacksonJsonBinding implements JsonBinding {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    @Override
    public <T> Codec<T> codec(Class<T> type) {
        if (type == Long.class) {
            @SuppressWarnings("unchecked")
            Codec<T> number = (Codec<T>) new LongCodec(MAPPER.readerFor(Long.class));
            return number;
        }
        return new JsonCodec<>(type, MAPPER.readerFor(type), MAPPER.writerFor(type));
    }

    /**
     * JSON for a {@link Long}, the commonest state value (counters), written without Jackson's machinery: the same
     * text Jackson writes, several times faster. Anything but a plain integer is read by Jackson, with its errors.
     */
    private record LongCodec(ObjectReader reader) implements Codec<Long> {

        @Override
        public byte[] encode(Long value) {
            return value == null ? "null".getBytes(StandardCharsets.US_ASCII)
                    : Long.toString(value).getBytes(StandardCharsets.US_ASCII);
        }

        @Override
        public Long decode(byte[] bytes) {
            if (bytes == null) {
                return null;
            }
            if (bytes.length > 0 && bytes.length < 19) {
                long value = 0;
                int i = bytes[0] == '-' ? 1 : 0;
                boolean digits = i < bytes.length;
                for (; i < bytes.length && digits; i++) {
                    int digit = bytes[i] - '0';
                    digits = digit >= 0 && digit <= 9;
                    value = value * 10 + digit;
                }
                if (digits) {
                    return bytes[0] == '-' ? -value : value;
                }
            }
            return new JsonCodec<>(Long.class, reader, null).decode(bytes);
        }

        @Override
        public String name() {
            return "json:Long";
        }

        @Override
        public String contentType() {
            return "application/json";
        }
    }

    private record JsonCodec<T>(Class<T> type, ObjectReader reader, ObjectWriter writer) implements Codec<T> {

        @Override
        public byte[] encode(T value) {
            try {
                return writer.writeValueAsBytes(value);
            } catch (JsonProcessingException e) {
                throw new CodecException(name(), "cannot write " + type.getName() + " as JSON: "
                        + e.getOriginalMessage(), e);
            }
        }

        @Override
        public T decode(byte[] bytes) {
            if (bytes == null) {
                return null;
            }
            try {
                return reader.readValue(bytes);
            } catch (JsonProcessingException e) {
                throw new CodecException(name(), "not a " + type.getSimpleName() + " in JSON: "
                        + e.getOriginalMessage() + " at " + e.getLocation().offsetDescription(), e);
            } catch (IOException e) {
                throw new CodecException(name(), "cannot read JSON: " + e.getMessage(), e);
            }
        }

        @Override
        public String name() {
            return "json:" + type.getSimpleName();
        }

        @Override
        public String contentType() {
            return "application/json";
        }
    }
}
