package dev.eddy.engine.internal.dispatch;

/**
 * The rate of a growing count over about the last minute, from one sample a second: the poll loop offers the count
 * on every turn, and any thread reads the rate.
 *
 * <p>Threading: {@link #offer} on the poll loop; {@link #perSecond} from any thread.
 */
final class RateWindow {

    private static final int SLOTS = 61;
    private static final long SECOND_NANOS = 1_000_000_000L;

    private final long[] counts = new long[SLOTS];
    private final long[] times = new long[SLOTS];
    /** Samples taken; the newest is at (taken - 1) % SLOTS. */
    private int taken;
    private long nextSampleAt;
    private final Ticker ticker;

    RateWindow(Ticker ticker) {
        this.ticker = ticker;
        this.nextSampleAt = ticker.nanoTime();
    }

    /** Takes a sample if a second has passed since the last one. Poll loop only. */
    void offer(long count) {
        long now = ticker.nanoTime();
        if (now - nextSampleAt < 0) {
            return;
        }
        nextSampleAt = now + SECOND_NANOS;
        synchronized (this) {
            counts[taken % SLOTS] = count;
            times[taken % SLOTS] = now;
            taken++;
        }
    }

    /** Per second over the window; 0 until two samples exist. */
    synchronized double perSecond() {
        if (taken < 2) {
            return 0;
        }
        int newest = (taken - 1) % SLOTS;
        int oldest = taken >= SLOTS ? taken % SLOTS : 0;
        double seconds = (times[newest] - times[oldest]) / (double) SECOND_NANOS;
        return seconds <= 0 ? 0 : (counts[newest] - counts[oldest]) / seconds;
    }
}
