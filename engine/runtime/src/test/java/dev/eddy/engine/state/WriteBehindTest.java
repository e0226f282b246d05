package dev.eddy.engine.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.sdk.runtime.StateStore.Stored;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Held-back writes against a store of versions in memory: the order of a key's writes, each after its emits, and
 * what a refused write, a failed emit and an unreachable store lead to.
 */
class WriteBehindTest {

    /** Applies a write when the key is at the version its state was read at, as Redis and PostgreSQL do. */
    private static final class Versions implements WriteBehind.Writer {
        final Map<String, Long> at = new HashMap<>();
        final List<String> log = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger unreachable = new AtomicInteger();

        @Override
        public synchronized boolean write(String key, KeyState state) {
            if (unreachable.get() > 0) {
                unreachable.decrementAndGet();
                log.add("unreachable");
                throw new StateStoreException("the store is down");
            }
            long version = at.getOrDefault(key, 0L);
            if (version != state.version()) {
                log.add("refused " + key + "@" + state.version());
                return false;
            }
            at.put(key, version + 1);
            log.add(key + "@" + state.version());
            return true;
        }
    }

    private final Versions store = new Versions();
    private final StateCache cache = new StateCache(100);
    /** The pauses between the tries of a failed write, in milliseconds: noted, not waited. */
    private final List<Long> pauses = Collections.synchronizedList(new ArrayList<>());
    private final WriteBehind writes = new WriteBehind("f", cache, store, pauses::add);
    private final KeyLocks keyLocks = writes.keyLocks();
    private final List<String> remade = Collections.synchronizedList(new ArrayList<>());

    private static KeyState counting(long count, long version) {
        KeyState state = KeyState.empty();
        state.put("k", "count", null, new Stored(Long.toString(count).getBytes(StandardCharsets.UTF_8),
                Long.MAX_VALUE));
        return state.atVersion(version);
    }

    /** A remake that notes itself, holding the key, and whose own write is made by it, not queued. */
    private KeyedStore.Remake remake(String name) {
        return () -> {
            assertTrue(keyLocks.of("k").isHeldByCurrentThread(), name + " is made again holding the key");
            assertNull(writes.save("k", counting(99, 0), null, remake("nested")), "a remake writes by itself");
            remade.add(name);
        };
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s: " + what);
            }
            TimeUnit.MILLISECONDS.sleep(5);
        }
    }

    @Test
    void aKeysWritesGoInOrderEachOnceItsEmitsAreAnswered() throws Exception {
        CompletableFuture<Void> firstEmits = new CompletableFuture<>();
        CompletableFuture<Void> secondEmits = new CompletableFuture<>();

        CompletableFuture<Void> first = writes.save("k", counting(1, 0), firstEmits, remake("first"));
        CompletableFuture<Void> second = writes.save("k", counting(2, 1), secondEmits, remake("second"));
        assertEquals(counting(2, 2), cache.get("k"), "the key's next call reads the last write, at its version");
        secondEmits.complete(null);
        assertFalse(first.isDone() || second.isDone());
        assertEquals(List.of(), store.log, "nothing goes before the first call's emits are answered");

        firstEmits.complete(null);
        first.get(10, TimeUnit.SECONDS);
        second.get(10, TimeUnit.SECONDS);
        assertEquals(List.of("k@0", "k@1"), store.log);
        assertEquals(List.of(), remade);
        await("the key's writes all done", () -> writes.keysPending() == 0);
    }

    @Test
    void aRefusedWriteHasItsCallAndEveryLaterOneMadeAgainInOrderNoneOfTheirWritesSent() throws Exception {
        store.at.put("k", 5L); // another engine wrote the key since it was read
        CompletableFuture<Void> firstEmits = new CompletableFuture<>();
        List<CompletableFuture<Void>> written = new ArrayList<>();
        written.add(writes.save("k", counting(1, 0), firstEmits, remake("first")));
        written.add(writes.save("k", counting(2, 1), null, remake("second")));
        written.add(writes.save("k", counting(3, 2), null, remake("third")));

        firstEmits.complete(null);
        for (CompletableFuture<Void> write : written) {
            write.get(10, TimeUnit.SECONDS);
        }
        assertEquals(List.of("first", "second", "third"), remade);
        assertEquals(List.of("refused k@0"), store.log, "the writes based on the refused one are never sent");
        assertTrue(cache.contended("k"));
        assertNull(cache.get("k"), "the key is read from the store from now on");
        await("the key's writes all done", () -> writes.keysPending() == 0);
        assertNull(writes.save("k", counting(4, 5), null, remake("fourth")), "a contended key writes at once");
    }

    @Test
    void aWriteWhoseEmitsFailedIsDroppedAndTheCallsAfterItAreMadeAgain() throws Exception {
        CompletableFuture<Void> firstEmits = new CompletableFuture<>();
        CompletableFuture<Void> first = writes.save("k", counting(1, 0), firstEmits, remake("first"));
        CompletableFuture<Void> second = writes.save("k", counting(2, 1), null, remake("second"));

        firstEmits.completeExceptionally(new IllegalStateException("the output was refused"));
        first.get(10, TimeUnit.SECONDS);
        second.get(10, TimeUnit.SECONDS);
        assertEquals(List.of("second"), remade);
        assertEquals(List.of(), store.log);
    }

    @Test
    void aWriteTheStoreCannotTakeIsTriedAgainThenItsCallIsMadeAgain() throws Exception {
        store.unreachable.set(WriteBehind.MAX_TRIES);
        writes.save("k", counting(1, 0), null, remake("first")).get(10, TimeUnit.SECONDS);
        assertEquals(Collections.nCopies(WriteBehind.MAX_TRIES, "unreachable"), store.log);
        assertEquals(List.of("first"), remade);
        assertEquals(List.of(100L, 200L, 400L), pauses, "backing off, doubling, between the tries");

        store.unreachable.set(WriteBehind.MAX_TRIES - 1);
        cache.clear();
        writes.save("k", counting(1, 0), null, remake("second")).get(10, TimeUnit.SECONDS);
        assertEquals("k@0", store.log.get(store.log.size() - 1), "the last try went through");
        assertEquals(List.of("first"), remade);
    }

    @Test
    void aRemakeThatFailsFailsItsWriteAndTheOthersAreStillMade() throws Exception {
        store.at.put("k", 5L);
        CompletableFuture<Void> firstEmits = new CompletableFuture<>();
        CompletableFuture<Void> first = writes.save("k", counting(1, 0), firstEmits, () -> {
            throw new IllegalStateException("the dead-letter topic is gone");
        });
        CompletableFuture<Void> second = writes.save("k", counting(2, 1), null, remake("second"));
        firstEmits.complete(null);

        second.get(10, TimeUnit.SECONDS);
        await("the first write failed", first::isCompletedExceptionally);
        assertEquals(List.of("second"), remade);
    }
}
