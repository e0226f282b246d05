package dev.eddy.engine.testing;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Counts what arrived against what was expected, by unique id: how many were delivered, lost, duplicated, or
 * never expected at all. Tests assert on these numbers.
 */
public final class Tally {

    private final int expected;
    private final int delivered;
    private final int lost;
    private final int duplicates;
    private final int unexpected;

    private Tally(int expected, int delivered, int lost, int duplicates, int unexpected) {
        this.expected = expected;
        this.delivered = delivered;
        this.lost = lost;
        this.duplicates = duplicates;
        this.unexpected = unexpected;
    }

    public static Tally of(Set<String> expectedIds, Collection<String> receivedIds) {
        Map<String, Integer> seen = new HashMap<>();
        for (String id : receivedIds) {
            seen.merge(id, 1, Integer::sum);
        }
        int duplicates = 0;
        int unexpected = 0;
        for (Map.Entry<String, Integer> entry : seen.entrySet()) {
            duplicates += entry.getValue() - 1;
            if (!expectedIds.contains(entry.getKey())) {
                unexpected++;
            }
        }
        Set<String> missing = new HashSet<>(expectedIds);
        missing.removeAll(seen.keySet());
        int delivered = expectedIds.size() - missing.size();
        return new Tally(expectedIds.size(), delivered, missing.size(), duplicates, unexpected);
    }

    public int expected() {
        return expected;
    }

    public int delivered() {
        return delivered;
    }

    public int lost() {
        return lost;
    }

    public int duplicates() {
        return duplicates;
    }

    public int unexpected() {
        return unexpected;
    }

    @Override
    public String toString() {
        return "expected=" + expected + " delivered=" + delivered + " lost=" + lost + " duplicates=" + duplicates
                + " unexpected=" + unexpected;
    }
}
