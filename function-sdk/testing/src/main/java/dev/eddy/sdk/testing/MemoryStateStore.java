package dev.eddy.sdk.testing;

import dev.eddy.sdk.runtime.StateStore;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The test kit's state store: in memory, keyed by record key, state name and entry. */
final class MemoryStateStore implements StateStore {

    private final Map<String, Map<String, Stored>> byKeyAndState = new ConcurrentHashMap<>();

    @Override
    public Stored get(String key, String state, String entry) {
        Map<String, Stored> entries = byKeyAndState.get(key + "/" + state);
        return entries == null ? null : entries.get(entry == null ? "" : entry);
    }

    @Override
    public Map<String, Stored> entries(String key, String state) {
        Map<String, Stored> entries = byKeyAndState.getOrDefault(key + "/" + state, Map.of());
        return new HashMap<>(entries);
    }

    @Override
    public void put(String key, String state, String entry, Stored stored) {
        Map<String, Stored> entries = byKeyAndState.computeIfAbsent(key + "/" + state, k -> new ConcurrentHashMap<>());
        if (stored == null) {
            entries.remove(entry == null ? "" : entry);
        } else {
            entries.put(entry == null ? "" : entry, stored);
        }
    }

    /** How many values and entries are stored, expired or not: for tests that expired state is really gone. */
    int size() {
        return byKeyAndState.values().stream().mapToInt(Map::size).sum();
    }
}
