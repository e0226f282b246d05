package dev.eddy.engine.internal.windows;

import dev.eddy.sdk.runtime.WindowStore;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.kstream.internals.SessionWindow;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.SessionStore;

/**
 * One task's windows in Kafka Streams' stores, for {@link dev.eddy.sdk.runtime.Windowing}: time windows in a window
 * store (keyed by key and start), sessions in a session store, and the time the task's windows are closed through
 * in a key-value store. All three are logged to changelog topics, and written in the task's transaction
 * (exactly-once v2) with the results and the input offsets.
 */
abstract class StreamsWindowStore implements WindowStore {

    /** The one key of the closed-through store. */
    static final String CLOSED_THROUGH = "closed-through";

    private final KeyValueStore<String, Long> times;

    StreamsWindowStore(KeyValueStore<String, Long> times) {
        this.times = times;
    }

    @Override
    public long closedThrough() {
        Long time = times.get(CLOSED_THROUGH);
        return time == null ? Long.MIN_VALUE : time;
    }

    @Override
    public void closedThrough(long time) {
        times.put(CLOSED_THROUGH, time);
    }

    /** Time windows of one size in a window store. */
    static final class Timed extends StreamsWindowStore {
        private final org.apache.kafka.streams.state.WindowStore<Bytes, byte[]> windows;
        private final long sizeMs;

        Timed(org.apache.kafka.streams.state.WindowStore<Bytes, byte[]> windows, KeyValueStore<String, Long> times,
                long sizeMs) {
            super(times);
            this.windows = windows;
            this.sizeMs = sizeMs;
        }

        @Override
        public byte[] get(byte[] key, long start, long end) {
            return windows.fetch(Bytes.wrap(key), start);
        }

        @Override
        public void put(byte[] key, long start, long end, byte[] accumulator) {
            windows.put(Bytes.wrap(key), accumulator, start);
        }

        @Override
        public void remove(byte[] key, long start, long end) {
            windows.put(Bytes.wrap(key), null, start);
        }

        @Override
        public List<Kept> sessions(byte[] key, long earliestEnd, long latestStart) {
            throw new UnsupportedOperationException("time windows have no sessions");
        }

        @Override
        public List<Kept> endingBy(long latestEnd) {
            List<Kept> due = new ArrayList<>();
            if (latestEnd - sizeMs < 0) {
                return due;
            }
            try (KeyValueIterator<Windowed<Bytes>, byte[]> found = windows.fetchAll(0, latestEnd - sizeMs)) {
                while (found.hasNext()) {
                    KeyValue<Windowed<Bytes>, byte[]> next = found.next();
                    long start = next.key.window().start();
                    due.add(new Kept(next.key.key().get(), start, start + sizeMs, next.value));
                }
            }
            due.sort(java.util.Comparator.comparingLong(Kept::end));
            return due;
        }
    }

    /** Session windows in a session store. */
    static final class Sessions extends StreamsWindowStore {
        private final SessionStore<Bytes, byte[]> sessions;

        Sessions(SessionStore<Bytes, byte[]> sessions, KeyValueStore<String, Long> times) {
            super(times);
            this.sessions = sessions;
        }

        private static Windowed<Bytes> window(byte[] key, long start, long end) {
            return new Windowed<>(Bytes.wrap(key), new SessionWindow(start, end));
        }

        @Override
        public byte[] get(byte[] key, long start, long end) {
            return sessions.fetchSession(Bytes.wrap(key), start, end);
        }

        @Override
        public void put(byte[] key, long start, long end, byte[] accumulator) {
            sessions.put(window(key, start, end), accumulator);
        }

        @Override
        public void remove(byte[] key, long start, long end) {
            sessions.remove(window(key, start, end));
        }

        @Override
        public List<Kept> sessions(byte[] key, long earliestEnd, long latestStart) {
            try (KeyValueIterator<Windowed<Bytes>, byte[]> found =
                    sessions.findSessions(Bytes.wrap(key), earliestEnd, latestStart)) {
                return kept(found);
            }
        }

        @Override
        public List<Kept> endingBy(long latestEnd) {
            // Every key's sessions that start by then (the store's own time index); those that end later are open.
            List<Kept> due = new ArrayList<>();
            try (KeyValueIterator<Windowed<Bytes>, byte[]> found = sessions.findSessions(null, null, 0, latestEnd)) {
                for (Kept kept : kept(found)) {
                    if (kept.end() <= latestEnd) {
                        due.add(kept);
                    }
                }
            }
            due.sort(java.util.Comparator.comparingLong(Kept::end));
            return due;
        }

        private static List<Kept> kept(KeyValueIterator<Windowed<Bytes>, byte[]> found) {
            List<Kept> kept = new ArrayList<>();
            while (found.hasNext()) {
                KeyValue<Windowed<Bytes>, byte[]> next = found.next();
                kept.add(new Kept(next.key.key().get(), next.key.window().start(), next.key.window().end(),
                        next.value));
            }
            return kept;
        }
    }
}
