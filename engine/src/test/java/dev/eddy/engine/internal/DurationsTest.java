package dev.eddy.engine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void shouldReadTheFormsPeopleWrite() {
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofSeconds(20), Durations.parse(" 20 s"));
        assertEquals(Duration.ofMinutes(5), Durations.parse("5m"));
        assertEquals(Duration.ofHours(1), Durations.parse("1H"));
        assertEquals(Duration.ofSeconds(5), Durations.parse("PT5S"));
    }

    @Test
    void shouldSayWhatADurationLooksLike() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> Durations.parse("soon"));
        assertEquals("'soon' is not a duration such as 500ms, 20s, 5m, 1h or PT5S", error.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("5 days"));
    }
}
