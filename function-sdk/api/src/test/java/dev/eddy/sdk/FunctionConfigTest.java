package dev.eddy.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FunctionConfigTest {

    private final FunctionConfig config = FunctionConfig.of(Map.of("threshold", "30.5", "window", "5s",
            "batch", "100", "strict", "true", "iso", "PT2M", "bad", "lots"));

    @Test
    void shouldReadTypedValues() {
        assertEquals(30.5, config.number("threshold"));
        assertEquals(Duration.ofSeconds(5), config.duration("window"));
        assertEquals(Duration.ofMinutes(2), config.duration("iso"));
        assertEquals(100, config.integer("batch"));
        assertEquals(true, config.bool("strict"));
        assertEquals(7, config.integer("missing", 7));
    }

    @Test
    void shouldSayWhichKeyWhatValueAndWhatIsValid() {
        assertEquals("config key 'bad' has the value 'lots', which is not an integer",
                assertThrows(IllegalArgumentException.class, () -> config.integer("bad")).getMessage());
        assertEquals("config key 'bad' has the value 'lots', which is not a duration such as 500ms, 5s, 2m, 1h or PT5S",
                assertThrows(IllegalArgumentException.class, () -> config.duration("bad")).getMessage());
        assertEquals("config key 'nope' is not set; the function's config has the keys [bad, batch, iso, strict,"
                + " threshold, window]", assertThrows(IllegalArgumentException.class,
                        () -> config.string("nope")).getMessage());
    }

    @Test
    void shouldRefuseMalformedUtf8RatherThanReplaceIt() {
        CodecException error = assertThrows(CodecException.class,
                () -> Codec.string().decode(new byte[] {(byte) 0xC3, (byte) 0x28}));
        assertEquals("string: the bytes are not valid UTF-8 (2 bytes)", error.getMessage());
    }
}
