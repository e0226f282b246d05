package dev.eddy.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationParsingTest {

    @Test
    void shouldReadTheFormsPeopleWrite() {
        assertEquals(Duration.ofMillis(500), FunctionConfig.parseDuration("500ms"));
        assertEquals(Duration.ofSeconds(20), FunctionConfig.parseDuration(" 20 s"));
        assertEquals(Duration.ofMinutes(5), FunctionConfig.parseDuration("5m"));
        assertEquals(Duration.ofHours(1), FunctionConfig.parseDuration("1H"));
        assertEquals(Duration.ofSeconds(5), FunctionConfig.parseDuration("PT5S"));
    }

    @Test
    void shouldSayWhatADurationLooksLike() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> FunctionConfig.parseDuration("soon"));
        assertEquals("'soon' is not a duration such as 500ms, 20s, 5m, 1h or PT5S", error.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FunctionConfig.parseDuration("5 days"));
    }
}
