package dev.eddy.engine.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.sdk.runtime.StateStore.Stored;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StateCacheTest {

    private static KeyState counting(long count, long version) {
        KeyState state = KeyState.empty();
        state.put("k", "count", null, new Stored(Long.toString(count).getBytes(StandardCharsets.UTF_8), Long.MAX_VALUE));
        return state.atVersion(version);
    }

    @Test
    void aWrittenStateIsKeptAtTheVersionTheStoreNowHolds() {
        StateCache cache = new StateCache(10);
        cache.wrote("k", counting(3, 7));

        KeyState cached = cache.get("k");
        assertEquals(8, cached.version(), "the store counted the write");
        assertEquals(counting(3, 8), cached);
        assertNotSame(cache.get("k"), cache.get("k"), "each call gets a copy for its changes");
    }

    @Test
    void aKeyWrittenEmptyIsKnownAbsent() {
        StateCache cache = new StateCache(10);
        cache.wrote("k", KeyState.empty().atVersion(4));
        assertEquals(0, cache.get("k").version());
        assertTrue(cache.get("k").isEmpty());
    }

    @Test
    void aKeyWhoseWriteWasRefusedIsReadFromTheStoreFromThenOn() {
        StateCache cache = new StateCache(10);
        cache.read("k", counting(1, 1));
        cache.refused("k");
        assertNull(cache.get("k"));
        cache.read("k", counting(2, 2));
        cache.wrote("k", counting(3, 2));
        assertNull(cache.get("k"), "another writes it too: never cached");

        cache.clear();
        cache.read("k", counting(3, 3));
        assertEquals(counting(3, 3), cache.get("k"), "until the partitions move");
    }

    @Test
    void staysWithinItsBound() {
        StateCache cache = new StateCache(100);
        for (int i = 0; i < 1_000; i++) {
            cache.read("k" + i, counting(i, 1));
        }
        assertTrue(cache.size() <= 100, "size " + cache.size());
        assertEquals(counting(999, 1), cache.get("k999"), "the last one read is kept");
    }
}
