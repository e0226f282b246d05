package dev.eddy.engine.internal.dispatch;

import static dev.eddy.engine.internal.dispatch.WorkerHarness.WAIT;
import static dev.eddy.engine.internal.dispatch.WorkerHarness.partition;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.eddy.engine.DeadLetterHeaders;
import dev.eddy.engine.FailureReason;
import dev.eddy.engine.RetryPolicy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What a lane does on time, stepped on a manual clock: the retry backoff schedule and the watchdog's timeout. */
class LaneTimingTest {

    private static final TopicPartition P0 = partition(0);

    private final WorkerHarness harness = new WorkerHarness(true);

    @AfterEach
    void stop() {
        harness.close();
    }

    @Test
    void shouldRetryAfterEachBackoffAndNotBeforeThenDeadLetter() {
        AtomicInteger attempts = new AtomicInteger();
        RetryPolicy policy = new RetryPolicy(4, Duration.ofMillis(100), Duration.ofSeconds(10), 2.0, 0.0,
                Duration.ofMinutes(1));
        harness.start(WorkerHarness.function().retry(policy).handler((event, ctx) -> {
            attempts.incrementAndGet();
            throw new IllegalStateException("always");
        }).build(), Map.of(), List.of(P0));
        harness.records(P0, 0, 1, i -> "key");
        await().atMost(WAIT).until(() -> attempts.get() == 1);

        for (int next = 2; next <= 4; next++) {
            Duration backoff = Duration.ofMillis(100L << (next - 2)); // 100, 200, 400 ms
            await().atMost(WAIT).until(() -> harness.time.scheduledDelays().size() == attempts.get());
            assertEquals(backoff, last(harness.time.scheduledDelays()), "the backoff after attempt " + (next - 1) + ": "
                    + harness.time.scheduledDelays() + ", attempts " + attempts.get());
            harness.time.advance(backoff.minusMillis(1));
            assertEquals(next - 1, attempts.get(), "no attempt before its backoff has passed");
            harness.time.advance(Duration.ofMillis(1));
            int expected = next;
            await().atMost(WAIT).until(() -> attempts.get() == expected);
        }

        await().atMost(WAIT).until(() -> harness.sent("eddy.dlq.f").size() == 1);
        ProducerRecord<byte[], byte[]> letter = harness.sent("eddy.dlq.f").get(0);
        assertEquals("4", header(letter, DeadLetterHeaders.ATTEMPTS));
        assertEquals(FailureReason.HANDLER_FAILED.name(), header(letter, DeadLetterHeaders.REASON));
        Duration between = Duration.between(Instant.parse(header(letter, DeadLetterHeaders.FIRST_FAILURE_TIME)),
                Instant.parse(header(letter, DeadLetterHeaders.LAST_FAILURE_TIME)));
        assertEquals(Duration.ofMillis(700), between, "first to last failure: the three backoffs");
        assertEquals(3, harness.time.scheduledDelays().size(), "no retry after the last attempt");
    }

    @Test
    void shouldInterruptACallOnceItHasRunItsTimeoutAndNotBefore() {
        AtomicBoolean running = new AtomicBoolean();
        AtomicBoolean interrupted = new AtomicBoolean();
        harness.start(WorkerHarness.function().retry(RetryPolicy.NONE).timeout(Duration.ofSeconds(1))
                .handler((event, ctx) -> {
                    running.set(true);
                    while (!Thread.currentThread().isInterrupted()) {
                        LockSupport.parkNanos(Duration.ofSeconds(30).toNanos()); // hangs until interrupted
                    }
                    interrupted.set(true);
                    throw new InterruptedException("interrupted");
                }).build(), Map.of(), List.of(P0));
        harness.records(P0, 0, 1, i -> "key");
        await().atMost(WAIT).until(running::get);

        // The watchdog looks every quarter timeout (250 ms): its first look sees the call start, and it interrupts
        // the call at the look that has seen it run a whole timeout, 1 to 1.25 timeouts after it began.
        for (int round = 1; round <= 4; round++) {
            harness.time.advance(Duration.ofMillis(250));
        }
        await().during(Duration.ofMillis(200)).atMost(WAIT).until(() -> !interrupted.get());
        harness.time.advance(Duration.ofMillis(250));
        await().atMost(WAIT).until(interrupted::get);

        await().atMost(WAIT).until(() -> harness.sent("eddy.dlq.f").size() == 1);
        assertEquals(FailureReason.TIMED_OUT.name(), header(harness.sent("eddy.dlq.f").get(0),
                DeadLetterHeaders.REASON));
        assertFalse(Thread.currentThread().isInterrupted());
    }

    private static Duration last(List<Duration> delays) {
        return delays.get(delays.size() - 1);
    }

    private static String header(ProducerRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
