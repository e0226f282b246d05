package dev.eddy.engine.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.sdk.Codec;
import dev.eddy.sdk.MapState;
import dev.eddy.sdk.ValueState;
import dev.eddy.sdk.runtime.CallState;
import dev.eddy.sdk.runtime.StateStore;
import dev.eddy.sdk.testing.TestClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KeyStateTest {

    private static final ValueState<Long> COUNT = ValueState.named("count", Codec.json(Long.class));
    private static final MapState<String, String> SEEN = MapState.named("seen", Codec.string(), Codec.string())
            .expireAfterWrite(Duration.ofMinutes(5));

    private final TestClock clock = new TestClock(java.time.Instant.parse("2026-01-01T00:00:00Z"));

    private CallState call(KeyState state) {
        return new CallState(state, Set.of("count", "seen"), "f", clock, "a2V5");
    }

    @Test
    void shouldRoundTripStateAndFenceThroughItsBytes() {
        KeyState state = KeyState.empty();
        CallState call = call(state);
        call.set(COUNT, 41L);
        call.put(SEEN, "x", "1");
        call.put(SEEN, "y", "2");
        call.commit();
        state.fence(KeyState.source("in", 3), 1234);

        KeyState decoded = KeyState.decode(state.encode());
        assertEquals(state, decoded);
        assertEquals(Optional.of(41L), call(decoded).get(COUNT));
        assertEquals(Map.of("x", "1", "y", "2"), call(decoded).entries(SEEN));
        assertEquals(Map.of("in:3", 1234L), decoded.fences());
        assertArrayEquals("41".getBytes(StandardCharsets.UTF_8), decoded.states().get("count").get("").value());
    }

    @Test
    void shouldCoverTheRecordsOfItsSourceUpToItsFence() {
        KeyState state = KeyState.empty();
        assertFalse(state.covers("in:0", 0), "a key never written covers nothing");
        state.fence("in:0", 10);
        assertTrue(state.covers("in:0", 10));
        assertTrue(state.covers("in:0", 3));
        assertFalse(state.covers("in:0", 11));
        assertFalse(state.covers("in:1", 5), "another partition's offsets are not comparable");
    }

    @Test
    void shouldKeepAFenceForEachSourceSoThatOneSourceNeverMovesAnothers() {
        KeyState state = KeyState.empty();
        state.fence("a:0", 100);
        state.fence("b:0", 3);
        assertTrue(state.covers("a:0", 100), "b's record left a's fence where it was");
        assertFalse(state.covers("a:0", 101));
        assertTrue(state.covers("b:0", 3));
        assertFalse(state.covers("b:0", 4));
        state.fence("a:0", 101);

        KeyState decoded = KeyState.decode(state.encode());
        assertEquals(Map.of("a:0", 101L, "b:0", 3L), decoded.fences());
        assertEquals(state, decoded);
    }

    @Test
    void shouldReadTheOneFenceFormatThatEarlierVersionsWrote() {
        byte[] source = "in:2".getBytes(StandardCharsets.UTF_8);
        java.nio.ByteBuffer formatOne = java.nio.ByteBuffer.allocate(1 + 2 + source.length + 8 + 4 + 2 + 5 + 4 + 2
                + 8 + 4 + 2);
        formatOne.put((byte) 1).putShort((short) source.length).put(source).putLong(77).putInt(1);
        formatOne.putShort((short) 5).put("count".getBytes(StandardCharsets.UTF_8)).putInt(1);
        formatOne.putShort((short) 0).putLong(Long.MAX_VALUE).putInt(2).put("41".getBytes(StandardCharsets.UTF_8));

        KeyState decoded = KeyState.decode(formatOne.array());
        assertEquals(Map.of("in:2", 77L), decoded.fences());
        assertEquals(Optional.of(41L), call(decoded).get(COUNT));
        assertEquals(2, KeyState.decode(decoded.encode()).encode()[0], "written again in the current format");
    }

    @Test
    void shouldIncludeAnotherStateOnlyWhenItsFenceForEachOfTheOthersSourcesIsAsFar() {
        KeyState earlier = KeyState.empty();
        earlier.fence("a:0", 5);
        earlier.fence("b:1", 9);
        KeyState later = earlier.copy();
        later.fence("a:0", 6);
        assertTrue(later.includes(earlier));
        assertFalse(earlier.includes(later), "a former owner's late write does not replace a later one");
        KeyState otherSource = KeyState.empty();
        otherSource.fence("a:0", 6);
        assertFalse(otherSource.includes(earlier), "it holds nothing of b:1");
    }

    @Test
    void shouldLeaveTheLoadedStateAloneWhenACallWritesToACopy() {
        KeyState loaded = KeyState.empty();
        CallState first = call(loaded);
        first.set(COUNT, 1L);
        first.commit();
        CallState second = call(loaded);
        second.set(COUNT, 2L);
        KeyState next = loaded.copy();
        second.commitTo(next);
        assertEquals(Optional.of(1L), call(loaded).get(COUNT));
        assertEquals(Optional.of(2L), call(next).get(COUNT));
    }

    @Test
    void shouldLeaveTheOriginalAloneWhenACopysMapEntriesAreAddedRemovedOrExpire() {
        KeyState original = KeyState.empty();
        CallState first = call(original);
        first.set(COUNT, 1L);
        first.put(SEEN, "x", "1");
        first.put(SEEN, "y", "2");
        first.commit();

        KeyState copy = original.copy();
        CallState second = call(copy);
        second.put(SEEN, "z", "3");
        second.remove(SEEN, "x");
        second.clear(COUNT);
        second.commit();
        assertEquals(Map.of("y", "2", "z", "3"), call(copy).entries(SEEN));
        assertEquals(Optional.empty(), call(copy).get(COUNT));

        KeyState expiring = original.copy();
        assertTrue(expiring.dropExpired(clock.millis() + Duration.ofMinutes(5).toMillis()));
        assertEquals(Map.of(), call(expiring).entries(SEEN));

        assertEquals(Map.of("x", "1", "y", "2"), call(original).entries(SEEN), "the original is as it was");
        assertEquals(Optional.of(1L), call(original).get(COUNT));
    }

    @Test
    void shouldRoundTripNamesOutsideAscii() {
        KeyState state = KeyState.empty();
        state.put("k", "notiz-ä", null, new StateStore.Stored("größe".getBytes(
                StandardCharsets.UTF_8), Long.MAX_VALUE));
        KeyState decoded = KeyState.decode(state.encode());
        assertEquals(state, decoded);
        assertEquals(Set.of("notiz-ä"), decoded.states().keySet());
        assertEquals("größe", new String(decoded.states().get("notiz-ä").get("").value(), StandardCharsets.UTF_8));
    }

    @Test
    void shouldDropWhatExpiredAndKnowWhenTheNextAndLastEntriesExpire() {
        KeyState state = KeyState.empty();
        CallState call = call(state);
        call.set(COUNT, 7L); // never expires
        call.put(SEEN, "x", "1");
        call.commit();
        long firstExpiry = clock.millis() + Duration.ofMinutes(5).toMillis();
        clock.advance(Duration.ofMinutes(2));
        CallState later = call(state);
        later.put(SEEN, "y", "2");
        later.commit();
        assertEquals(firstExpiry, state.nextExpiry());
        assertEquals(Long.MAX_VALUE, state.lastExpiry(), "the count never expires");

        assertFalse(state.dropExpired(firstExpiry - 1));
        assertTrue(state.dropExpired(firstExpiry));
        assertEquals(Map.of("y", "2"), call(state).entries(SEEN));
        CallState clearing = call(state);
        clearing.clear(COUNT);
        clearing.commit();
        assertNull(state.get("k", "count", null));
        assertFalse(state.isEmpty(), "y lives on");
        state.dropExpired(firstExpiry + Duration.ofMinutes(2).toMillis());
        assertTrue(state.isEmpty(), "nothing left: the key is deleted from its store");
    }

    @Test
    void shouldKnowNothingExpiresOnceTheLastExpiringEntryIsGoneAndFindTheNextInCopiesAndDecodedStates() {
        KeyState state = KeyState.empty();
        assertEquals(Long.MAX_VALUE, state.nextExpiry());
        CallState call = call(state);
        call.set(COUNT, 1L);
        call.put(SEEN, "x", "1");
        call.commit();
        long expiry = clock.millis() + Duration.ofMinutes(5).toMillis();
        assertEquals(expiry, state.copy().nextExpiry());
        assertEquals(expiry, KeyState.decode(state.encode()).nextExpiry());
        assertFalse(state.copy().dropExpired(expiry - 1));
        KeyState copy = state.copy();
        assertTrue(copy.dropExpired(expiry));
        assertEquals(Long.MAX_VALUE, copy.nextExpiry(), "only the count is left, and it never expires");
        assertEquals(expiry, state.nextExpiry(), "the original keeps its entry");

        CallState removing = call(state);
        removing.remove(SEEN, "x");
        removing.commit();
        assertEquals(Long.MAX_VALUE, state.nextExpiry());
        assertFalse(state.dropExpired(Long.MAX_VALUE - 1));
        assertEquals(Optional.of(1L), call(state).get(COUNT));
    }

    @Test
    void shouldRefuseBytesThatAreNotAKeysState() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> KeyState.decode("{\"count\":1}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(error.getMessage().contains("not a key's state"), error.getMessage());
        assertThrows(IllegalArgumentException.class, () -> KeyState.decode(new byte[] {1, 0}));
    }
}
