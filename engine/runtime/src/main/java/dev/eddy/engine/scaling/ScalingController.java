package dev.eddy.engine.scaling;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * How many workers a function wants, from what it sees each second: records arriving, records waiting (its consumer lag and what it fetched and has not finished), how long a
 * handler call takes and how many calls run. By Little's law a stream of {@code r} records a second at {@code h}
 * seconds a call keeps {@code r·h} calls busy; a backlog of {@code L} records drained in {@link #DRAIN_SECONDS}
 * needs {@code L·h / DRAIN_SECONDS} more. With headroom, divided by the calls one worker may run, rounded up, and
 * kept within the function's bounds, that is the desired count. It rises at once; it falls only when every figure
 * of the last {@code cooldown} asked for less (so a lull between bursts does not shed capacity), and a function
 * with nothing arriving, nothing waiting and nothing running falls to its minimum (0 for one that scales to zero).
 *
 * <p>One thread ticks it; any may read {@link #current}.
 */
public final class ScalingController {

    /** The time a backlog is to be drained in. */
    public static final double DRAIN_SECONDS = 10.0;
    /** Capacity kept above what the load needs. */
    public static final double HEADROOM = 1.25;
    /** The handler time assumed before any call was timed. */
    private static final double UNKNOWN_CALL_SECONDS = 0.001;

    /**
     * What a function showed at one moment.
     *
     * @param nanos       when ({@link System#nanoTime})
     * @param received    records received since it was deployed (a counter)
     * @param waiting     records waiting: its consumer lag, and what its workers fetched and have not finished
     * @param callSeconds a handler call's typical time (NaN before any was timed)
     * @param running     calls running now
     */
    public record Sample(long nanos, long received, long waiting, double callSeconds, int running) {

        /** Records received a second since an earlier sample (0 without one; a counter that went back counts 0). */
        public double rateSince(Sample before) {
            double seconds = before == null ? 0 : (nanos - before.nanos) / 1e9;
            return seconds <= 0 ? 0 : Math.max(0, received - before.received) / seconds;
        }
    }

    /** A desired count and why. */
    public record Decision(int workers, String reason) {
    }

    private final int min;
    private final int max;
    private final int callsPerWorker;
    private final long cooldownNanos;
    /** The counts asked for over the cooldown, newest last, with when. */
    private final Deque<long[]> recent = new ArrayDeque<>();
    private Sample previous;
    /** Read by other threads (status); written by the one that ticks. */
    private volatile Decision current;

    /**
     * @param min            the fewest workers (0: the function may scale to zero)
     * @param max            the most
     * @param callsPerWorker the calls one worker may run at once (the function's max concurrency)
     * @param cooldownNanos  how long a lower count must be asked for before the desired count falls
     */
    public ScalingController(int min, int max, int callsPerWorker, long cooldownNanos) {
        this(min, max, callsPerWorker, cooldownNanos, null);
    }

    /**
     * A controller that takes over from another (a new leader of a cluster's decision): it starts from that one's
     * count, kept within these bounds, rather than from one worker, so that taking over sheds nothing by itself.
     *
     * @param from the count to start from, and why; null: one worker (none below {@code min}), "deployed"
     */
    public ScalingController(int min, int max, int callsPerWorker, long cooldownNanos, Decision from) {
        if (min < 0 || max < Math.max(1, min) || callsPerWorker < 1) {
            throw new IllegalArgumentException("bounds " + min + ".." + max + " with " + callsPerWorker
                    + " calls per worker");
        }
        this.min = min;
        this.max = max;
        this.callsPerWorker = callsPerWorker;
        this.cooldownNanos = cooldownNanos;
        this.current = from == null ? new Decision(Math.max(min, 1), "deployed")
                : new Decision(Math.min(max, Math.max(min, from.workers())), from.reason());
    }

    /** Takes a sample and says how many workers the function wants now. */
    public Decision update(Sample sample) {
        Sample before = previous;
        previous = sample;
        if (before == null) {
            return current;
        }
        double rate = sample.rateSince(before);
        double call = Double.isNaN(sample.callSeconds()) ? UNKNOWN_CALL_SECONDS : sample.callSeconds();
        double calls = HEADROOM * (rate * call + sample.waiting() * call / DRAIN_SECONDS);
        int wanted;
        String why;
        if (rate == 0 && sample.waiting() == 0 && sample.running() == 0) {
            wanted = min;
            why = "nothing arriving, waiting or running";
        } else {
            wanted = Math.max(1, (int) Math.ceil(calls / callsPerWorker));
            if (sample.running() >= callsPerWorker * current.workers() && sample.waiting() > 0) {
                wanted = Math.max(wanted, current.workers() + 1); // every call slot busy and records waiting
            }
            why = String.format(Locale.ROOT, "%.0f records/s arriving, %d waiting, %.2f ms a call, %d running:"
                    + " %.1f calls needed with headroom, %d a worker", rate, sample.waiting(), call * 1000,
                    sample.running(), calls, callsPerWorker);
        }
        wanted = Math.min(max, Math.max(min, wanted));
        recent.addLast(new long[] {sample.nanos(), wanted});
        while (!recent.isEmpty() && sample.nanos() - recent.peekFirst()[0] > cooldownNanos) {
            recent.removeFirst();
        }
        if (wanted > current.workers()) {
            current = new Decision(wanted, "up: " + why);
        } else if (wanted < current.workers()) {
            long highest = recent.stream().mapToLong(entry -> entry[1]).max().orElse(wanted);
            boolean cooledDown = sample.nanos() - recent.peekFirst()[0] >= cooldownNanos - TimeUnit.SECONDS.toNanos(1);
            if (highest < current.workers() && cooledDown) {
                current = new Decision((int) highest, "down after " + TimeUnit.NANOSECONDS.toSeconds(cooldownNanos)
                        + " s asking for less: " + why);
            }
        }
        return current;
    }

    /** The last decision. */
    public Decision current() {
        return current;
    }
}
