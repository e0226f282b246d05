package dev.eddy.sdk.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.sdk.Codec;
import dev.eddy.sdk.CodecException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The JSON binding the engine and the test kit bring, for the values state and events carry most. */
class JsonCodecTest {

    private static final Codec<Long> LONGS = Codec.json(Long.class);

    @Test
    void shouldWriteAndReadLongsAsJacksonDoes() {
        for (long value : new long[] {0, 1, -1, 42, 999_999_999_999_999_999L, Long.MAX_VALUE, Long.MIN_VALUE}) {
            byte[] json = LONGS.encode(value);
            assertArrayEquals(Long.toString(value).getBytes(StandardCharsets.US_ASCII), json);
            assertEquals(value, LONGS.decode(json));
        }
        assertEquals(12L, LONGS.decode(" 12 ".getBytes(StandardCharsets.US_ASCII)), "JSON around the number");
        assertEquals(7L, LONGS.decode("7.0".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void shouldRefuseWhatIsNotALong() {
        CodecException error = assertThrows(CodecException.class,
                () -> LONGS.decode("\"seven\"".getBytes(StandardCharsets.US_ASCII)));
        assertTrue(error.getMessage().contains("Long"), error.getMessage());
        assertThrows(CodecException.class, () -> LONGS.decode("-".getBytes(StandardCharsets.US_ASCII)));
        assertThrows(CodecException.class, () -> LONGS.decode(new byte[0]));
    }
}
