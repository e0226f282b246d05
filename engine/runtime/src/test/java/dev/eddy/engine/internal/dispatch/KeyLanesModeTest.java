package dev.eddy.engine.internal.dispatch;

import static dev.eddy.engine.internal.dispatch.WorkerHarness.WAIT;
import static dev.eddy.engine.internal.dispatch.WorkerHarness.partition;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.engine.Ordering;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The key lanes' two modes, switched by how long calls take on the manual clock: fast calls run in place on their
 * partition's lane (one key's wait holds up the partition), slow ones spread over the key lanes (other keys go on).
 */
class KeyLanesModeTest {

    private static final TopicPartition P0 = partition(0);

    private final WorkerHarness harness = new WorkerHarness(true);
    private final Set<String> handled = ConcurrentHashMap.newKeySet();
    /** How long each call takes, on the manual clock. */
    private final AtomicLong callNanos = new AtomicLong();
    private volatile CountDownLatch blockA = new CountDownLatch(0);

    @AfterEach
    void stop() {
        blockA.countDown();
        harness.close();
    }

    @Test
    void shouldRunFastCallsInPlaceAndSlowCallsInTheKeyLanes() throws Exception {
        harness.start(WorkerHarness.function().ordering(Ordering.KEY).maxConcurrency(4).handler((event, ctx) -> {
            if (event.keyAsString().equals("A")) {
                blockA.await();
            }
            harness.time.advance(Duration.ofNanos(callNanos.get()));
            handled.add(event.valueAsString());
        }).build(), Map.of(), List.of(P0));
        int offset = 0;

        // Fast calls (no time at all): the partition runs in place, so B waits behind A.
        offset = feed(offset, 100);
        blockA = new CountDownLatch(1);
        harness.records(P0, offset, 2, i -> i % 2 == 0 ? "A" : "B");
        String b = "value-" + (offset + 1);
        offset += 2;
        await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> !handled.contains(b));
        blockA.countDown();
        await().atMost(WAIT).until(() -> handled.contains(b));

        // Slow calls (1 ms each), one poll at a time so that each is timed: B goes on while A waits.
        callNanos.set(Duration.ofMillis(1).toNanos());
        for (int i = 0; i < 40; i++) {
            offset = feed(offset, 1);
        }
        blockA = new CountDownLatch(1);
        harness.records(P0, offset, 2, i -> i % 2 == 0 ? "A" : "B");
        String b2 = "value-" + (offset + 1);
        await().atMost(WAIT).until(() -> handled.contains(b2));
        assertTrue(!handled.contains("value-" + offset), "A was still waiting when B went by");
        blockA.countDown();
    }

    @Test
    void shouldKeepEachKeysOrderWhileItsRecordsSpreadOverTheKeyLanes() {
        Map<String, List<Integer>> seenByKey = new ConcurrentHashMap<>();
        harness.start(WorkerHarness.function().ordering(Ordering.KEY).maxConcurrency(8).handler((event, ctx) -> {
            harness.time.advance(Duration.ofMillis(1)); // slow calls: the records go to the key lanes
            int offset = Integer.parseInt(event.valueAsString().substring("value-".length()));
            seenByKey.computeIfAbsent(event.keyAsString(), key -> Collections.synchronizedList(new ArrayList<>()))
                    .add(offset);
            if (offset % 3 == 0) {
                Thread.yield(); // let other lanes overtake this one
            }
            handled.add(event.valueAsString());
        }).build(), Map.of(), List.of(P0));
        int offset = 0;
        for (int i = 0; i < 40; i++) {
            offset = feed(offset, 1); // one poll at a time, so that each call is timed
        }
        int records = 600;
        // 23 keys interleaved; some share a lane, most records of a chunk have a lane of their own.
        harness.records(P0, offset, records, i -> "key-" + (i * 7 % 23));
        int last = offset + records - 1;
        await().atMost(WAIT).until(() -> handled.contains("value-" + last));
        int total = 0;
        for (Map.Entry<String, List<Integer>> key : seenByKey.entrySet()) {
            List<Integer> offsets = key.getValue();
            total += offsets.size();
            for (int i = 1; i < offsets.size(); i++) {
                assertTrue(offsets.get(i - 1) < offsets.get(i), key.getKey() + " out of order: " + offsets);
            }
        }
        assertEquals(offset + records, total, "every record handled once");
    }

    /** Records of other keys, each handled before this returns. */
    private int feed(int from, int count) {
        harness.records(P0, from, count, i -> "k" + (i % 10));
        await().atMost(WAIT).until(() -> handled.contains("value-" + (from + count - 1)));
        return from + count;
    }
}
