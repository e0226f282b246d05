package dev.eddy.engine.internal.dispatch;

import dev.eddy.engine.FailureReason;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs handler failures without flooding: the first few in full, with the stack trace, then at most one summary
 * line per interval that says how many more there were. The failures are always counted in the metrics.
 *
 * <p>Threading: safe to call from any thread.
 */
final class FailureLog {

    private static final Logger log = LoggerFactory.getLogger(FailureLog.class);
    private static final int LOGGED_IN_FULL = 5;
    private static final long SUMMARY_INTERVAL_NANOS = 10_000_000_000L;

    private final String function;
    private final AtomicLong total = new AtomicLong();
    private final AtomicLong unlogged = new AtomicLong();
    private final AtomicLong lastSummary;

    private final Ticker ticker;

    FailureLog(String function, Ticker ticker) {
        this.function = function;
        this.ticker = ticker;
        this.lastSummary = new AtomicLong(ticker.nanoTime());
    }

    /** A handler call failed on a record; {@code attempt} counts from 1. */
    void handlerFailed(ConsumerRecord<?, ?> record, Throwable error, int attempt) {
        long count = total.incrementAndGet();
        String where = record.topic() + "-" + record.partition() + "@" + record.offset();
        if (count <= LOGGED_IN_FULL) {
            log.warn("Function '{}' failed on record {} (attempt {}): {}", function, where, attempt, error.toString(),
                    error);
            return;
        }
        unlogged.incrementAndGet();
        long now = ticker.nanoTime();
        long last = lastSummary.get();
        if (now - last >= SUMMARY_INTERVAL_NANOS && lastSummary.compareAndSet(last, now)) {
            log.warn("Function '{}' failed on {} more records (latest {}: {}); {} failures in all",
                    function, unlogged.getAndSet(0), where, error.toString(), count);
        }
    }

    /** A record goes to the dead-letter topic. Rare by design, so each is logged. */
    void deadLettered(ConsumerRecord<?, ?> record, FailureReason reason, int attempts, Throwable lastError) {
        log.warn("Function '{}' sends record {}-{}@{} to its dead-letter topic after {} attempt(s): {} ({})", function,
                record.topic(), record.partition(), record.offset(), attempts, reason, String.valueOf(lastError));
    }

    /** The error reply for a dead-lettered record could not be sent: its caller times out instead. */
    void replyFailed(ConsumerRecord<?, ?> record, String replyTo, Throwable error) {
        log.warn("Function '{}' could not send the error reply for record {}-{}@{} to '{}': {}", function,
                record.topic(), record.partition(), record.offset(), replyTo, String.valueOf(error));
    }
}
