package dev.eddy.engine.internal.dispatch;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Time that moves only when a test says: a {@link Ticker} and the {@link Timers} on it. {@link #advance} moves the
 * time and runs, on the caller's thread and in order, every task that has come due; nothing runs otherwise.
 *
 * <p>Threading: any thread may read the time and schedule; tasks run on the thread that advances.
 */
final class ManualTime implements Ticker, Timers {

    private long nanos = 1_000_000_000L;
    private final long epochMillisAtStart = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    private final PriorityQueue<Task> due = new PriorityQueue<>();
    private final List<Long> delays = new ArrayList<>();
    private long sequence;
    private boolean closed;

    private record Task(long at, long sequence, Runnable run, long period) implements Comparable<Task> {
        @Override
        public int compareTo(Task other) {
            return at != other.at ? Long.compare(at, other.at) : Long.compare(sequence, other.sequence);
        }
    }

    @Override
    public synchronized long nanoTime() {
        return nanos;
    }

    @Override
    public Clock clock() {
        return new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(millis());
            }

            @Override
            public long millis() {
                return ManualTime.this.millis();
            }
        };
    }

    /** Moves the time on by the pause, running nothing (the pausing thread is not the test's). */
    @Override
    public synchronized void pause(long pauseNanos) {
        nanos += pauseNanos;
    }

    @Override
    public synchronized long millis() {
        return epochMillisAtStart + nanos / 1_000_000;
    }

    @Override
    public synchronized void schedule(Runnable task, long delayNanos) {
        if (!closed) {
            delays.add(delayNanos);
            due.add(new Task(nanos + delayNanos, sequence++, task, 0));
        }
    }

    @Override
    public synchronized void every(Runnable task, long periodNanos) {
        if (!closed) {
            due.add(new Task(nanos + periodNanos, sequence++, task, periodNanos));
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        due.clear();
    }

    /** The delays of the one-off tasks scheduled so far (retries, batch flushes), in the order asked. */
    synchronized List<Duration> scheduledDelays() {
        return delays.stream().map(Duration::ofNanos).toList();
    }

    /** Moves the time on, running what comes due on the way, each at its own time. */
    void advance(Duration by) {
        long target;
        synchronized (this) {
            target = nanos + by.toNanos();
        }
        while (true) {
            Task next;
            synchronized (this) {
                next = due.peek();
                if (next == null || next.at > target) {
                    nanos = target;
                    return;
                }
                due.poll();
                nanos = Math.max(nanos, next.at);
                if (next.period > 0 && !closed) {
                    due.add(new Task(next.at + next.period, sequence++, next.run, next.period));
                }
            }
            next.run.run();
        }
    }
}
