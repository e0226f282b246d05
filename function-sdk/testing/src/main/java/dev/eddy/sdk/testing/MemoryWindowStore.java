package dev.eddy.sdk.testing;

import dev.eddy.sdk.runtime.WindowStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One partition's windows in memory, for the {@link WindowTester}. Not thread-safe. */
final class MemoryWindowStore implements WindowStore {

    /** A window's identity: its key's bytes (compared by content) and its bounds. */
    private record Id(String key, long start, long end) {
    }

    private final Map<Id, Kept> windows = new LinkedHashMap<>();
    private long closedThrough = Long.MIN_VALUE;

    private static Id id(byte[] key, long start, long end) {
        return new Id(Arrays.toString(key), start, end);
    }

    @Override
    public byte[] get(byte[] key, long start, long end) {
        Kept kept = windows.get(id(key, start, end));
        return kept == null ? null : kept.accumulator();
    }

    @Override
    public void put(byte[] key, long start, long end, byte[] accumulator) {
        windows.put(id(key, start, end), new Kept(key, start, end, accumulator));
    }

    @Override
    public void remove(byte[] key, long start, long end) {
        windows.remove(id(key, start, end));
    }

    @Override
    public List<Kept> sessions(byte[] key, long earliestEnd, long latestStart) {
        List<Kept> found = new ArrayList<>();
        for (Kept kept : windows.values()) {
            if (Arrays.equals(kept.key(), key) && kept.end() >= earliestEnd && kept.start() <= latestStart) {
                found.add(kept);
            }
        }
        return found;
    }

    @Override
    public List<Kept> endingBy(long latestEnd) {
        List<Kept> found = new ArrayList<>();
        for (Kept kept : windows.values()) {
            if (kept.end() <= latestEnd) {
                found.add(kept);
            }
        }
        found.sort(Comparator.comparingLong(Kept::end).thenComparingLong(Kept::start));
        return found;
    }

    @Override
    public long closedThrough() {
        return closedThrough;
    }

    @Override
    public void closedThrough(long time) {
        closedThrough = time;
    }

    /** How many windows are open. */
    int size() {
        return windows.size();
    }
}
