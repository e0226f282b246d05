package dev.eddy.engine.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BatcherTest {

    @Test
    void requestsQueuedWhileABatchIsInFlightGoTogetherInTheNext() throws Exception {
        CountDownLatch firstSent = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<List<String>> batches = Collections.synchronizedList(new ArrayList<>());
        try (Batcher<String, String> batcher = new Batcher<>("f", "test", 1, 100, batch -> {
            batches.add(List.copyOf(batch));
            firstSent.countDown();
            await(release);
            return batch.stream().map(String::toUpperCase).toList();
        }); ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<String> first = calls.submit(() -> batcher.call("a"));
            assertTrue(firstSent.await(10, TimeUnit.SECONDS));
            List<Future<String>> next = new ArrayList<>();
            for (String query : List.of("b", "c", "d", "e")) {
                next.add(calls.submit(() -> batcher.call(query)));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (batcher.queued() < 4 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            release.countDown();

            assertEquals("A", first.get(10, TimeUnit.SECONDS));
            List<String> answers = new ArrayList<>();
            for (Future<String> answer : next) {
                answers.add(answer.get(10, TimeUnit.SECONDS));
            }
            assertEquals(List.of("B", "C", "D", "E"), answers, "each call gets its own answer");
            assertEquals(2, batches.size(), "one round trip for the first, one for the four queued meanwhile: "
                    + batches);
            assertEquals(4, batches.get(1).size());
        }
    }

    @Test
    void aBatchIsNoLargerThanItsBound() throws Exception {
        CountDownLatch firstSent = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
        try (Batcher<Integer, Integer> batcher = new Batcher<>("f", "test", 1, 3, batch -> {
            sizes.add(batch.size());
            firstSent.countDown();
            await(release);
            return List.copyOf(batch);
        }); ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Integer>> answers = new ArrayList<>();
            answers.add(calls.submit(() -> batcher.call(0)));
            assertTrue(firstSent.await(10, TimeUnit.SECONDS));
            for (int i = 1; i <= 7; i++) {
                int query = i;
                answers.add(calls.submit(() -> batcher.call(query)));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (batcher.queued() < 7 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            release.countDown();
            for (int i = 0; i < answers.size(); i++) {
                assertEquals(i, answers.get(i).get(10, TimeUnit.SECONDS));
            }
            assertEquals(List.of(1, 3, 3, 1), sizes);
        }
    }

    @Test
    void aRequestRefusedAloneFailsItsCallOnly() throws Exception {
        try (Batcher<String, String> batcher = new Batcher<>("f", "test", 1, 100, batch -> batch.stream()
                .<Object>map(query -> query.equals("bad") ? new IllegalArgumentException("refused: " + query) : query)
                .toList())) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> batcher.call("bad"));
            assertEquals("refused: bad", refused.getMessage());
            assertEquals("good", batcher.call("good"));
        }
    }

    @Test
    void aBatchThatFailsWholeFailsEachOfItsCallsAndTheNextBatchGoesOn() throws Exception {
        List<String> sent = Collections.synchronizedList(new ArrayList<>());
        try (Batcher<String, String> batcher = new Batcher<>("f", "test", 1, 100, batch -> {
            sent.addAll(batch);
            if (sent.size() == 1) {
                throw new IllegalStateException("connection lost");
            }
            return List.copyOf(batch);
        })) {
            assertEquals("connection lost", assertThrows(IllegalStateException.class, () -> batcher.call("x"))
                    .getMessage());
            assertEquals("y", batcher.call("y"));
        }
    }

    @Test
    void aClosedBatcherRefusesCalls() {
        Batcher<String, String> batcher = new Batcher<>("f", "test", 2, 100, List::copyOf);
        batcher.close();
        assertThrows(IllegalStateException.class, () -> batcher.call("late"));
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
