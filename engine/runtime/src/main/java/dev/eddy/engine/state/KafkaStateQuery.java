package dev.eddy.engine.state;

import dev.eddy.engine.EngineConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * Reads a function's state from its changelog topic, whichever engines own its partitions: the first read reads the
 * (compacted) changelog whole, as it stands then, and the query answers from that until it is closed — one per
 * request to inspect a function, not a way to serve reads at speed.
 */
public final class KafkaStateQuery implements StateQuery {

    private final EngineConfig config;
    private final String changelog;
    private final int partitions;
    /** The changelog as it stood at the first read; null before. */
    private NavigableMap<String, KeyState> snapshot;

    /** What has expired is left out as of this clock's time. */
    private final java.time.Clock clock;

    public KafkaStateQuery(EngineConfig config, String changelog, int partitions, java.time.Clock clock) {
        this.clock = clock;
        this.config = config;
        this.changelog = changelog;
        this.partitions = partitions;
    }

    private NavigableMap<String, KeyState> all() {
        if (snapshot == null) {
            snapshot = read();
        }
        return snapshot;
    }

    private NavigableMap<String, KeyState> read() {
        NavigableMap<String, KeyState> states = new TreeMap<>();
        KafkaKeyedStore.readChangelog(config, "eddy-state-query", changelog,
                IntStream.range(0, partitions).boxed().toList(), StateMetrics.none(),
                record -> KafkaKeyedStore.apply(record, states));
        long now = clock.millis();
        states.values().removeIf(state -> {
            state.dropExpired(now);
            return state.isEmpty();
        });
        return states;
    }

    @Override
    public Optional<KeyState> read(String key) {
        return Optional.ofNullable(all().get(key));
    }

    @Override
    public Page keys(String cursor, int limit) {
        NavigableMap<String, KeyState> states = all();
        Map<String, KeyState> after = cursor == null ? states : states.tailMap(cursor, false);
        List<String> keys = new ArrayList<>();
        for (String key : after.keySet()) {
            if (keys.size() == limit) {
                return new Page(keys, keys.get(keys.size() - 1));
            }
            keys.add(key);
        }
        return new Page(keys, null);
    }

    @Override
    public void close() {
    }
}
