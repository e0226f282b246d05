package dev.eddy.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class EventTest {

    @Test
    void shouldKeepTheOriginalUnchangedWhenCopying() {
        Event original = Event.of("k", "v");
        Event copy = original.withValue("w").withHeader("h", "1").withTimestamp(42);

        assertEquals("v", original.valueAsString());
        assertTrue(original.headers().isEmpty());
        assertEquals(Event.NO_TIMESTAMP, original.timestampMillis());
        assertEquals("w", copy.valueAsString());
        assertEquals("k", copy.keyAsString());
        assertEquals("1", copy.headers().lastString("h").orElseThrow());
        assertEquals(42, copy.timestamp().orElseThrow().toEpochMilli());
    }

    @Test
    void shouldCarryNullKeysAndTombstones() {
        Event tombstone = Event.of((String) null, null);
        assertNull(tombstone.key());
        assertNull(tombstone.keyAsString());
        assertNull(tombstone.valueAsString());
        assertFalse(tombstone.origin().isPresent());
        assertTrue(tombstone.toString().contains("value=null"));
    }

    @Test
    void shouldReturnTheLastHeaderOfAName() {
        Headers headers = Headers.of(List.of(Header.of("a", "1"), Header.of("b", "2"), Header.of("a", "3")));
        assertEquals("3", headers.lastString("a").orElseThrow());
        assertTrue(headers.lastValue("c").isEmpty());
        assertEquals(3, headers.all().size());
    }

    @Test
    void shouldRejectANegativeTimestampOtherThanNone() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> Event.of("k", "v").withTimestamp(-5));
        assertTrue(error.getMessage().contains("-5"), error.getMessage());
    }

    @Test
    void shouldEscapeControlCharactersWhenPrinted() {
        Event event = Event.of("k", "line\r\nnext ${jndi:ldap://x}");
        String printed = event.toString();
        assertFalse(printed.contains("\r"), printed);
        assertFalse(printed.contains("\n"), printed);
        assertTrue(printed.contains("\\u000d\\u000a"), printed);
    }

    @Test
    void shouldCompareByContent() {
        Origin origin = new Origin("t", 1, 7);
        Event a = Event.of("k".getBytes(), "v".getBytes(), Headers.empty(), 5, origin);
        Event b = Event.of("k".getBytes(), "v".getBytes(), Headers.empty(), 5, origin);
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals("t-1@7", origin.toString());
    }

    @Test
    void shouldReplaceEveryHeaderOfANameWithOne() {
        Headers headers = Headers.of(List.of(Header.of("content-type", "text/plain"), Header.of("b", "2"),
                Header.of("content-type", "text/csv")));
        Headers replaced = headers.replacing(Header.of("content-type", "application/json"));
        assertEquals(2, replaced.size());
        assertEquals("2", replaced.lastString("b").orElseThrow());
        assertEquals("application/json", replaced.lastString("content-type").orElseThrow());
        assertEquals(3, headers.size(), "the original is unchanged");
    }

    @Test
    void shouldLabelAnOutputsEventsWithItsCodecsMediaType() {
        Event input = Event.of("k", "v").withHeader("content-type", "text/plain");
        Event text = Output.of(Codec.string()).event(input, "w");
        assertEquals("text/plain; charset=utf-8", text.headers().lastString("content-type").orElseThrow());
        assertEquals(1, text.headers().size());
        Event raw = Output.of(Codec.bytes()).event(input, new byte[] {1});
        assertEquals("text/plain", raw.headers().lastString("content-type").orElseThrow(),
                "a codec that does not know its media type leaves the header as it was");
        Event keyed = Output.of(Codec.string()).event("key".getBytes(java.nio.charset.StandardCharsets.UTF_8), "x");
        assertEquals("key", keyed.keyAsString());
        assertEquals("text/plain; charset=utf-8", keyed.headers().lastString("content-type").orElseThrow());
    }
}
