package dev.eddy.engine.internal.dispatch;

import static dev.eddy.engine.internal.dispatch.WorkerHarness.WAIT;
import static dev.eddy.engine.internal.dispatch.WorkerHarness.partition;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eddy.engine.Delivery;
import dev.eddy.engine.Ordering;
import dev.eddy.engine.RetryPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An EXACTLY_ONCE worker's transactions, stepped on a manual clock: the barrier commits outputs and offsets together
 * once everything in flight is done; an abort rewinds to the last commit; partitions lost abort the open
 * transaction.
 */
class TransactionalCommitTest {

    private static final TopicPartition P0 = partition(0);
    private static final TopicPartition P1 = partition(1);
    private static final Duration COMMIT_INTERVAL = Duration.ofMillis(WorkerHarness.COMMIT_INTERVAL_MS);

    private final WorkerHarness harness = new WorkerHarness(true);
    /** Calls per value, whatever their outcome. */
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

    @AfterEach
    void stop() {
        harness.close();
    }

    @Test
    void shouldCommitTheTransactionOnlyOnceEveryRecordInFlightIsDone() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        harness.start(WorkerHarness.function().delivery(Delivery.EXACTLY_ONCE).ordering(Ordering.KEY)
                .maxConcurrency(4).handler((event, ctx) -> {
                    if (event.valueAsString().equals("value-3")) {
                        release.await();
                    }
                    ctx.emit(event);
                    called(event.valueAsString());
                }).build(), Map.of(), List.of(P0));
        harness.records(P0, 0, 10, i -> "key-" + i);
        await().atMost(WAIT).until(() -> total() == 9);

        harness.time.advance(COMMIT_INTERVAL); // the commit is due: the barrier holds until value-3 is done
        await().during(Duration.ofMillis(300)).atMost(WAIT)
                .until(() -> harness.transactionalCommits().isEmpty() && harness.sent("out").isEmpty());

        release.countDown();
        await().atMost(WAIT).until(() -> !harness.transactionalCommits().isEmpty());
        assertEquals(List.of(Map.of(P0, new OffsetAndMetadata(10))), harness.transactionalCommits());
        assertEquals(10, harness.sent("out").size(), "every output, in the committed transaction");
    }

    @Test
    void shouldAbortAndRewindToTheLastCommitWhenARecordIsLetGoUndone() {
        harness.start(WorkerHarness.function().delivery(Delivery.EXACTLY_ONCE).ordering(Ordering.KEY)
                .maxConcurrency(4).retry(RetryPolicy.attempts(5).withBackoff(Duration.ofSeconds(30),
                        Duration.ofSeconds(30)).withMaxAge(Duration.ofMinutes(1))).handler((event, ctx) -> {
                    called(event.valueAsString() + "@" + event.origin().orElseThrow().partition());
                    if (event.origin().orElseThrow().partition() == 1) {
                        throw new IllegalStateException("not now");
                    }
                    ctx.emit(event);
                }).build(), Map.of(), List.of(P0, P1));
        harness.records(P0, 0, 5, i -> "key-" + i);
        harness.records(P1, 0, 1, i -> "other");
        await().atMost(WAIT).until(() -> total() == 6);

        // P1 is taken away while its record waits for a retry: the record is let go undone, so the transaction,
        // which covers every partition, is aborted, and P0 is handled again from its last commit.
        harness.onPollThread(() -> harness.consumer.rebalance(List.of(P0)));
        await().atMost(WAIT).until(() -> !harness.consumer.assignment().contains(P1)
                && harness.consumer.position(P0) == 0);
        assertEquals(List.of(), harness.sent("out"), "nothing of the aborted transaction is visible");

        harness.records(P0, 0, 5, i -> "key-" + i); // Kafka delivers them again from the rewound position
        await().atMost(WAIT).until(() -> calls("value-4@0") == 2);
        harness.time.advance(COMMIT_INTERVAL);
        await().atMost(WAIT).until(() -> !harness.transactionalCommits().isEmpty());
        assertEquals(List.of(Map.of(P0, new OffsetAndMetadata(5))), harness.transactionalCommits());
        assertEquals(5, harness.sent("out").size(), "each output once");
    }

    @Test
    void shouldAbortTheOpenTransactionWhenPartitionsAreLost() {
        harness.start(WorkerHarness.function().delivery(Delivery.EXACTLY_ONCE).ordering(Ordering.KEY)
                .maxConcurrency(4).handler((event, ctx) -> {
                    called(event.valueAsString() + "@" + event.origin().orElseThrow().partition());
                    ctx.emit(event);
                }).build(), Map.of(), List.of(P0, P1));
        harness.records(P0, 0, 5, i -> "key-" + i);
        harness.records(P1, 0, 5, i -> "key-" + i);
        await().atMost(WAIT).until(() -> total() == 10);

        // Lost (not revoked): the transaction may hold outputs of P1's records, which another member now handles.
        harness.onPollThread(() -> {
            harness.consumer.listener.onPartitionsLost(List.of(P1));
            harness.consumer.rebalance(List.of(P0));
        });
        await().atMost(WAIT).until(() -> !harness.consumer.assignment().contains(P1)
                && harness.consumer.position(P0) == 0);
        harness.time.advance(COMMIT_INTERVAL);
        await().during(Duration.ofMillis(200)).atMost(WAIT)
                .until(() -> harness.transactionalCommits().isEmpty() && harness.sent("out").isEmpty());

        harness.records(P0, 0, 5, i -> "key-" + i);
        await().atMost(WAIT).until(() -> calls("value-4@0") == 2);
        harness.time.advance(COMMIT_INTERVAL);
        await().atMost(WAIT).until(() -> !harness.transactionalCommits().isEmpty());
        assertEquals(List.of(Map.of(P0, new OffsetAndMetadata(5))), harness.transactionalCommits());
        assertEquals(5, harness.sent("out").size());
    }

    private void called(String what) {
        calls.computeIfAbsent(what, k -> new AtomicInteger()).incrementAndGet();
    }

    private int calls(String what) {
        AtomicInteger count = calls.get(what);
        return count == null ? 0 : count.get();
    }

    private int total() {
        return calls.values().stream().mapToInt(AtomicInteger::get).sum();
    }
}
