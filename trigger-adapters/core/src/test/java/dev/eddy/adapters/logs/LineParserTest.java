package dev.eddy.adapters.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.eddy.schemas.events.LogLevel;
import dev.eddy.schemas.events.LogRecord;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LineParserTest {

    @Test
    void shouldReadJsonLinesByTheirKeys() {
        LogRecord record = LineParser.parse(LineParser.Format.JSON, "{\"ts\": \"2026-11-27T10:15:30.5Z\", \"level\":"
                + " \"warn\", \"msg\": \"disk almost full\", \"disk\": \"/data\", \"free\": 3}").build();
        assertEquals("disk almost full", record.getMessage());
        assertEquals(LogLevel.WARN, record.getLevel());
        assertEquals(Instant.parse("2026-11-27T10:15:30.5Z"), record.getTimestamp());
        assertEquals("/data", record.getFields().get("disk"));
        assertEquals("3", record.getFields().get("free"));
    }

    @Test
    void shouldReadLogfmtPairsWithQuotedValues() {
        LogRecord record = LineParser.parse(LineParser.Format.LOGFMT,
                "time=1795750000000 level=error msg=\"payment \\\"p-7\\\" failed\" user=42").build();
        assertEquals("payment \"p-7\" failed", record.getMessage());
        assertEquals(LogLevel.ERROR, record.getLevel());
        assertEquals(Instant.ofEpochMilli(1795750000000L), record.getTimestamp());
        assertEquals("42", record.getFields().get("user"));
    }

    @Test
    void shouldKeepPlainTextWithItsLevelWordAndLeadingTime() {
        LogRecord record = LineParser.parse(LineParser.Format.PLAIN,
                "2026-11-27 10:15:30,123+0100 ERROR [main] Service - it broke").build();
        assertEquals("2026-11-27 10:15:30,123+0100 ERROR [main] Service - it broke", record.getMessage());
        assertEquals(LogLevel.ERROR, record.getLevel());
        assertEquals(Instant.parse("2026-11-27T09:15:30.123Z"), record.getTimestamp());
        assertNull(LineParser.parse(LineParser.Format.PLAIN, "no time here").build().getTimestamp());
    }

    @Test
    void shouldKeepALineThatIsNotItsFormatAsTextSayingWhy() {
        LogRecord record = LineParser.parse(LineParser.Format.JSON, "INFO not json at all").build();
        assertEquals("INFO not json at all", record.getMessage());
        assertEquals(LogLevel.INFO, record.getLevel());
        assertEquals("not JSON", record.getFields().get("eddy.parse.error"));
    }
}
