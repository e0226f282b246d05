package dev.eddy.engine.internal.windows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.kafka.TopicReader;
import dev.eddy.sdk.window.Window;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Base64;
import java.util.Deque;
import java.util.Map;
import java.util.TreeMap;

/**
 * One key's windows, read from Kafka by any engine: its open windows from the windows' changelog (as the worker
 * that owns the key last committed them, at most a commit interval ago), and its latest results from the
 * function's output. No routing: what the owner committed is in Kafka.
 */
public final class WindowQuery {

    /** The most recent results shown. */
    static final int RECENT = 10;
    /** How far back the output is read for recent results, at least. */
    static final Duration RECENT_SPAN = Duration.ofHours(1);
    private static final ObjectMapper JSON = new ObjectMapper();

    private WindowQuery() {
    }

    /** A key's open windows and recent results, as JSON. */
    public static ObjectNode of(FunctionDefinition definition, EngineConfig config, byte[] key) {
        Window window = definition.window();
        ObjectNode body = JSON.createObjectNode().put("function", definition.name())
                .put("key", new String(key, StandardCharsets.UTF_8)).put("window", window.toString());
        // Each window's latest changelog record: the open ones have a value, the closed ones a tombstone.
        Map<String, long[]> bounds = new TreeMap<>();
        Map<String, byte[]> latest = new TreeMap<>();
        boolean sessions = window.kind() == Window.Kind.SESSION;
        TopicReader.read(config, WindowedTopology.changelogs(definition).get(0), key, null, false, () -> true,
                record -> {
                    long[] found = windowOf(record.key(), key, sessions, window);
                    if (found == null) {
                        return; // another key of the partition
                    }
                    String id = String.format("%020d-%020d", found[0], found[1]);
                    bounds.put(id, found);
                    latest.put(id, record.value());
                });
        ArrayNode open = body.putArray("open");
        for (Map.Entry<String, byte[]> entry : latest.entrySet()) {
            if (entry.getValue() == null) {
                continue;
            }
            long[] found = bounds.get(entry.getKey());
            Object value = definition.windowed().aggregate().codec().decode(entry.getValue());
            open.addObject().put("start", Instant.ofEpochMilli(found[0]).toString())
                    .put("end", Instant.ofEpochMilli(found[1]).toString()).set("value", JSON.valueToTree(value));
        }
        Deque<JsonNode> recent = new ArrayDeque<>();
        Duration span = RECENT_SPAN.compareTo(window.retention().multipliedBy(RECENT)) > 0 ? RECENT_SPAN
                : window.retention().multipliedBy(RECENT);
        TopicReader.read(config, definition.outputs().get(FunctionDefinition.DEFAULT_OUTPUT), key,
                Instant.now().minus(span), false, () -> true, record -> {
                    if (Arrays.equals(record.key(), key)) {
                        recent.addLast(result(record.value()));
                        if (recent.size() > RECENT) {
                            recent.removeFirst();
                        }
                    }
                });
        ArrayNode results = body.putArray("recent");
        recent.forEach(results::add);
        return body;
    }

    /**
     * A changelog record's window [start, end] when it is of this key: a window store's key is the record key, the
     * window's start (8 bytes) and a sequence number (4); a session store's the record key, the session's end and
     * start (8 bytes each).
     */
    static long[] windowOf(byte[] storeKey, byte[] key, boolean sessions, Window window) {
        int suffix = sessions ? 16 : 12;
        if (storeKey == null || storeKey.length != key.length + suffix
                || !Arrays.equals(storeKey, 0, key.length, key, 0, key.length)) {
            return null;
        }
        ByteBuffer times = ByteBuffer.wrap(storeKey, key.length, suffix);
        if (sessions) {
            long end = times.getLong();
            return new long[] {times.getLong(), end};
        }
        long start = times.getLong();
        return new long[] {start, window.endOf(start)};
    }

    private static JsonNode result(byte[] value) {
        try {
            return JSON.readTree(value);
        } catch (java.io.IOException | RuntimeException e) {
            return JSON.getNodeFactory().textNode("base64:" + Base64.getEncoder().encodeToString(value));
        }
    }
}
