package dev.eddy.engine.internal.dispatch;

import static dev.eddy.engine.internal.dispatch.WorkerHarness.WAIT;
import static dev.eddy.engine.internal.dispatch.WorkerHarness.partition;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.engine.EngineConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The function's budget of records in flight: at the budget nothing more is fetched, and below it fetching resumes. */
class InFlightBudgetTest {

    private static final TopicPartition P0 = partition(0);

    private final WorkerHarness harness = new WorkerHarness(true);
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void stop() {
        release.countDown();
        harness.close();
    }

    @Test
    void shouldWaitForHalfTheBudgetToCompleteOrTheDeadline() throws Exception {
        ManualTime time = new ManualTime();
        InFlightBudget budget = new InFlightBudget(10, time);
        budget.dispatched(10);
        assertTrue(budget.full());
        budget.awaitRoom(time.nanoTime()); // the deadline has come: no wait

        long inAnHour = time.nanoTime() + Duration.ofHours(1).toNanos();
        Thread waiting = Thread.ofPlatform().start(() -> budget.awaitRoom(inAnHour));
        budget.completed(4);
        assertFalse(budget.full(), "6 of 10 in flight");
        await().during(Duration.ofMillis(200)).atMost(WAIT).until(waiting::isAlive); // it waits for half
        budget.completed(1);
        waiting.join(WAIT.toMillis());
        assertFalse(waiting.isAlive(), "woken once half the budget completed");
        assertEquals(5, budget.dispatchedCount() - budget.completedCount());
    }

    @Test
    void shouldFetchNothingWhileTheBudgetIsInFlightAndResumeBelowIt() {
        harness.start(WorkerHarness.function().handler((event, ctx) -> release.await()).build(),
                Map.of(EngineConfig.MAX_BUFFERED_RECORDS, 10), List.of(P0));
        harness.records(P0, 0, 10, i -> "key-" + i);
        await().atMost(WAIT).until(() -> received() == 10);

        harness.records(P0, 10, 10, i -> "key-" + i);
        for (int i = 0; i < 5; i++) {
            // Past the poll timeout the loop polls to stay in its group, with every partition paused.
            harness.time.advance(Duration.ofMillis(WorkerHarness.POLL_TIMEOUT_MS));
        }
        await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> received() == 10);
        assertTrue(harness.consumer.paused().isEmpty(), "the hold is undone after the poll");

        release.countDown();
        await().atMost(WAIT).until(() -> received() == 20);
        await().atMost(WAIT).until(() -> {
            harness.time.advance(Duration.ofMillis(WorkerHarness.COMMIT_INTERVAL_MS));
            return new OffsetAndMetadata(20).equals(harness.consumer.lastCommitted.get(P0));
        });
    }

    private double received() {
        return harness.counter("eddy.received");
    }
}
