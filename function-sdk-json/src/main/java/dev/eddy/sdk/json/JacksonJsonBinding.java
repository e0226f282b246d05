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
        return new JsonCodec<>(type, MAPPER.readerFor(type), MAPPER.writerFor(type));
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
    }
}
