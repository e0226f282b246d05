package dev.eddy.sdk.runtime;

import java.util.List;

/**
 * Where one partition's windows are kept, for {@link Windowing}: each key's windows with their accumulators, and the
 * time up to which the partition's windows are closed. The engine keeps them in Kafka Streams' window or session
 * stores (with their changelogs); the test kit in memory.
 */
public interface WindowStore {

    /** A window kept: its key, its bounds in milliseconds and its accumulator's bytes. */
    record Kept(byte[] key, long start, long end, byte[] accumulator) {
    }

    /** A window's accumulator, or null when the window has none yet. */
    byte[] get(byte[] key, long start, long end);

    /** Keeps a window's accumulator. */
    void put(byte[] key, long start, long end, byte[] accumulator);

    /** Forgets a window. */
    void remove(byte[] key, long start, long end);

    /** A key's sessions that end at or after {@code earliestEnd} and start at or before {@code latestStart}. */
    List<Kept> sessions(byte[] key, long earliestEnd, long latestStart);

    /** Every window, of every key, that ends at or before {@code latestEnd}, earliest end first. */
    List<Kept> endingBy(long latestEnd);

    /** The time up to which the partition's windows were closed, or {@link Long#MIN_VALUE} before any was. */
    long closedThrough();

    /** Records the time up to which the partition's windows are closed. */
    void closedThrough(long time);
}
