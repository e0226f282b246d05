package dev.eddy.adapters.timer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.adapters.AdapterException;
import dev.eddy.adapters.Settings;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ScheduleTest {

    private static Schedule schedule(String yaml) {
        return Schedule.read(Settings.parse(yaml, name -> null));
    }

    @Test
    void shouldFindTheNextTimeOfACronExpressionInItsZone() {
        Schedule fiveMinutes = schedule("name: r\ncron: '*/5 * * * *'\ntopic: t\n");
        assertEquals(Instant.parse("2026-11-27T10:05:00Z"), fiveMinutes.next(Instant.parse("2026-11-27T10:03:10Z")));
        assertEquals(Instant.parse("2026-11-27T10:10:00Z"), fiveMinutes.next(Instant.parse("2026-11-27T10:05:00Z")),
                "strictly after");
        Schedule berlinNine = schedule("name: r\ncron: '0 9 * * *'\nzone: Europe/Berlin\ntopic: t\n");
        assertEquals(Instant.parse("2026-11-27T08:00:00Z"), berlinNine.next(Instant.parse("2026-11-27T07:00:00Z")),
                "09:00 in Berlin in winter is 08:00 UTC");
    }

    @Test
    void shouldCountAFixedRateFromTheEpochSoThatEveryTimerAgrees() {
        Schedule every = schedule("name: b\nevery: 10s\ntopic: t\n");
        assertEquals(Instant.parse("2026-11-27T10:00:10Z"), every.next(Instant.parse("2026-11-27T10:00:03.5Z")));
        assertEquals(Instant.parse("2026-11-27T10:00:20Z"), every.next(Instant.parse("2026-11-27T10:00:10Z")));
        assertEquals(Schedule.Missed.SKIP, every.missed());
        assertEquals(Schedule.Missed.CATCH_UP, schedule("name: b\nevery: 1s\ntopic: t\nmissed: catch-up\n").missed());
    }

    @Test
    void shouldRefuseWhatIsNotASchedule() {
        assertTrue(assertThrows(AdapterException.class, () -> schedule("name: r\ncron: '61 * * * *'\ntopic: t\n"))
                .getMessage().startsWith("'cron' is '61 * * * *': it must be a cron expression of five fields"));
        assertTrue(assertThrows(AdapterException.class, () -> schedule("name: r\ntopic: t\n")).getMessage()
                .contains("give exactly one"));
        assertTrue(assertThrows(AdapterException.class, () -> schedule("name: r\nevery: 1s\ncron: '* * * * *'\n"
                + "topic: t\n")).getMessage().contains("give exactly one"));
        assertEquals("'zone' is 'Mars/Base': it must be a time zone such as UTC or Europe/Berlin",
                assertThrows(AdapterException.class, () -> schedule("name: r\nevery: 1s\nzone: Mars/Base\ntopic: t\n"))
                        .getMessage());
        assertTrue(assertThrows(AdapterException.class, () -> schedule("name: r\nevery: 1s\ntopic: t\nmissed: all\n"))
                .getMessage().contains("one of skip, catch-up"));
    }
}
