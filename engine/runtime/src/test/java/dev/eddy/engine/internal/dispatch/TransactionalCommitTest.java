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
        harness.start(exactlyOnce().handler((event, ctx) -> {
                    if (event.valueAsString().equals("value-3")) {
                        release.await();
                    }
                    ctx.emit(event);
                    called(event.valueAsString());
                }).build(), Map.of(), List.of(P0));
        harness.records(P0, 0, 10, i -> "key-" + i);
        // Every record handed out, value-3 running (the others ran, or wait behind it where calls run in place).
        await().atMost(WAIT).until(() -> harness.counter("eddy.received") == 10 && calls("value-3") == 0
                && total() >= 3);

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
        harness.start(exactlyOnce().retry(RetryPolicy.attempts(5).withBackoff(Duration.ofSeconds(30),
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
        harness.start(exactlyOnce().handler((event, ctx) -> {
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

    @Test
    void shouldCommitPastARecordWaitingForARetryNamingIt() {
        Map<String, Integer> failuresLeft = new ConcurrentHashMap<>(Map.of("value-2", 1));
        harness.start(exactlyOnce().retry(RetryPolicy.attempts(3).withBackoff(Duration.ofSeconds(30),
                        Duration.ofSeconds(30)).withMaxAge(Duration.ofMinutes(1))).handler((event, ctx) -> {
                    called(event.valueAsString());
                    if (failuresLeft.computeIfPresent(event.valueAsString(), (k, left) -> left == 0 ? null : left - 1)
                            != null) {
                        throw new IllegalStateException("not yet");
                    }
                    ctx.emit(event);
                }).build(), Map.of(), List.of(P0));
        harness.records(P0, 0, 10, i -> "key-" + i);
        await().atMost(WAIT).until(() -> total() == 10);

        // The commit does not wait for the retry, 30 s away: it stops at value-2 and says that 3..9 are done.
        harness.time.advance(COMMIT_INTERVAL);
        await().atMost(WAIT).until(() -> harness.transactionalCommits().size() == 1);
        assertEquals(new OffsetAndMetadata(2, "eddy1:8:0"), harness.transactionalCommits().get(0).get(P0));
        assertEquals(9, harness.sent("out").size());

        harness.records(P0, 10, 10, i -> "key-" + i);
        await().atMost(WAIT).until(() -> total() == 20);
        harness.time.advance(COMMIT_INTERVAL);
        await().atMost(WAIT).until(() -> harness.transactionalCommits().size() == 2);
        assertEquals(new OffsetAndMetadata(2, "eddy1:i:0"), harness.transactionalCommits().get(1).get(P0));
        assertEquals(19, harness.sent("out").size(), "other keys flow while value-2 waits");

        harness.time.advance(Duration.ofSeconds(30)); // the retry, which succeeds
        await().atMost(WAIT).until(() -> calls("value-2") == 2);
        await().atMost(WAIT).until(() -> {
            harness.time.advance(COMMIT_INTERVAL);
            return harness.transactionalCommits().size() == 3;
        });
        assertEquals(new OffsetAndMetadata(20), harness.transactionalCommits().get(2).get(P0));
        assertEquals(20, harness.sent("out").size());
        assertEquals(20, harness.sent("out").stream().map(r -> new String(r.value())).distinct().count(),
                "each output once");
    }

    @Test
    void shouldHoldARetryThatComesDueWhileACommitIsBeingMade() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Map<String, Integer> failuresLeft = new ConcurrentHashMap<>(Map.of("value-0", 1));
        harness.start(exactlyOnce().retry(RetryPolicy.attempts(3).withBackoff(Duration.ofMillis(15),
                        Duration.ofMillis(15))).handler((event, ctx) -> {
                    called(event.valueAsString());
                    if (event.valueAsString().equals("value-1")) {
                        release.await();
                    }
                    if (failuresLeft.computeIfPresent(event.valueAsString(), (k, left) -> left == 0 ? null : left - 1)
                            != null) {
                        throw new IllegalStateException("not yet");
                    }
                    ctx.emit(event);
                }).build(), Map.of(), List.of(P0));
        harness.records(P0, 0, 2, i -> "key-" + i);
        await().atMost(WAIT).until(() -> total() == 2);

        harness.time.advance(COMMIT_INTERVAL); // the barrier rises, and waits for value-1, which runs
        await().during(Duration.ofMillis(200)).atMost(WAIT).until(() -> harness.transactionalCommits().isEmpty());
        harness.time.advance(Duration.ofMillis(5)); // value-0's retry comes due: it waits for the commit
        await().during(Duration.ofMillis(200)).atMost(WAIT).until(() -> calls("value-0") == 1);

        release.countDown();
        await().atMost(WAIT).until(() -> calls("value-0") == 2);
        await().atMost(WAIT).until(() -> {
            harness.time.advance(COMMIT_INTERVAL);
            return harness.sent("out").size() == 2;
        });
        assertEquals(new OffsetAndMetadata(0, "eddy1:2:0"), harness.transactionalCommits().get(0).get(P0),
                "the first commit, made while value-0 waited");
    }

    @Test
    void shouldSkipTheRecordsACommitNamedDoneWhenThePartitionIsReadAgain() {
        // As a new owner finds it: committed at 2, with 3..9 done in that transaction and 2 waiting for a retry.
        harness.consumer.foundCommitted.put(P0, new OffsetAndMetadata(2, "eddy1:8:0"));
        harness.start(exactlyOnce().handler((event, ctx) -> {
                    called(event.valueAsString());
                    ctx.emit(event);
                }).build(), Map.of(), List.of(P0));
        harness.records(P0, 0, 12, i -> "key-" + i);
        await().atMost(WAIT).until(() -> calls("value-11") == 1);
        harness.time.advance(COMMIT_INTERVAL);
        await().atMost(WAIT).until(() -> !harness.transactionalCommits().isEmpty());

        assertEquals(Map.of("value-2", 1, "value-10", 1, "value-11", 1), Map.copyOf(calls.entrySet().stream()
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get()))),
                "only what the commit did not name as done");
        assertEquals(new OffsetAndMetadata(12), harness.transactionalCommits().get(0).get(P0));
    }

    /** An EXACTLY_ONCE function in KEY order, four calls at once. */
    private static dev.eddy.engine.FunctionBuilder exactlyOnce() {
        return WorkerHarness.function().delivery(Delivery.EXACTLY_ONCE).ordering(Ordering.KEY).maxConcurrency(4);
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
