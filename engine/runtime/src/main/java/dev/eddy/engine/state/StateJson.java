package dev.eddy.engine.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eddy.sdk.runtime.CallState;
import dev.eddy.sdk.runtime.StateStore.Stored;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;

/**
 * How state looks to people ({@code eddy state}, the admin API): keys and values as text where they are UTF-8 text
 * (values that are JSON, as JSON), otherwise as {@code base64:<bytes>}.
 */
public final class StateJson {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BASE64 = "base64:";

    private StateJson() {
    }

    /** The store key of a key as people write it: its text, or {@code base64:<bytes>} for a binary key. */
    public static String storeKey(String key) {
        byte[] bytes = key.startsWith(BASE64) ? Base64.getDecoder().decode(key.substring(BASE64.length()))
                : key.getBytes(StandardCharsets.UTF_8);
        return CallState.storeKey(bytes);
    }

    /** A store key as people read it. */
    public static String displayKey(String storeKey) {
        return text(Base64.getUrlDecoder().decode(storeKey));
    }

    /** One key's state: each piece by name, a value state's value or a map state's entries, and when they expire. */
    public static ObjectNode render(String storeKey, KeyState state) {
        ObjectNode node = JSON.createObjectNode().put("key", displayKey(storeKey));
        ObjectNode states = node.putObject("state");
        for (Map.Entry<String, Map<String, Stored>> piece : state.states().entrySet()) {
            ObjectNode rendered = states.putObject(piece.getKey());
            Map<String, Stored> entries = piece.getValue();
            Stored value = entries.get(KeyState.VALUE);
            if (value != null && entries.size() == 1) {
                rendered.set("value", value(value.value()));
                expiry(rendered, value.expiresAtMillis());
            } else {
                ObjectNode map = rendered.putObject("entries");
                long first = Long.MAX_VALUE;
                for (Map.Entry<String, Stored> entry : entries.entrySet()) {
                    map.set(displayKey(entry.getKey()), value(entry.getValue().value()));
                    first = Math.min(first, entry.getValue().expiresAtMillis());
                }
                expiry(rendered, first);
            }
        }
        ObjectNode applied = node.putObject("appliedUpTo"); // source partition → offset of its last record applied
        state.fences().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(fence -> applied.put(fence.getKey(), fence.getValue()));
        return node;
    }

    private static void expiry(ObjectNode node, long millis) {
        if (millis != Long.MAX_VALUE) {
            node.put("expiresAt", Instant.ofEpochMilli(millis).toString());
        }
    }

    private static JsonNode value(byte[] bytes) {
        String text = text(bytes);
        if (!text.startsWith(BASE64)) {
            try {
                return JSON.readTree(text);
            } catch (java.io.IOException e) {
                // not JSON: shown as text
            }
        }
        return JSON.getNodeFactory().textNode(text);
    }

    private static String text(byte[] bytes) {
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            if (!text.startsWith(BASE64) && text.chars().noneMatch(c -> c < 0x20 && c != '\t')) {
                return text;
            }
        } catch (CharacterCodingException e) {
            // binary: base64 below
        }
        return BASE64 + Base64.getEncoder().encodeToString(bytes);
    }
}
