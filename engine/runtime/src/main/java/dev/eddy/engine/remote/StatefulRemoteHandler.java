package dev.eddy.engine.remote;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eddy.sdk.Codec;
import dev.eddy.sdk.Context;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.Handler;
import dev.eddy.sdk.StateSpec;
import dev.eddy.sdk.ValueState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A remote function with keyed state: its manifest names JSON values ({@code state.values}), the engine sends each
 * event with its key's values ({@code "state": {"count": 41}}) and keeps what the answer gives back ({@code "state":
 * {"count": 42}}; null clears a value, a value left out is unchanged). Events go one at a time — those of different
 * keys concurrently — so that each sees the state the one before it left.
 */
public final class StatefulRemoteHandler implements Handler, dev.eddy.engine.FollowsWorkers {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final RemoteHandler remote;
    private final Map<String, ValueState<byte[]>> values = new LinkedHashMap<>();

    /**
     * @param names the values' names
     * @param ttl   how long a value lives after it was written, or null for ever
     */
    public StatefulRemoteHandler(RemoteHandler remote, List<String> names, Duration ttl) {
        this.remote = remote;
        for (StateSpec spec : specs(names, ttl)) {
            @SuppressWarnings("unchecked")
            ValueState<byte[]> value = (ValueState<byte[]>) spec;
            values.put(spec.name(), value);
        }
    }

    /** The state a remote function's manifest declares: a JSON value (as bytes) per name. */
    public static List<StateSpec> specs(List<String> names, Duration ttl) {
        List<StateSpec> specs = new ArrayList<>(names.size());
        for (String name : names) {
            ValueState<byte[]> value = ValueState.named(name, Codec.bytes());
            specs.add(ttl == null ? value : value.expireAfterWrite(ttl));
        }
        return specs;
    }

    @Override
    public List<StateSpec> state() {
        return new ArrayList<>(values.values());
    }

    @Override
    public void handle(Event event, Context context) throws Exception {
        ObjectNode state = JSON.createObjectNode();
        if (event.key() != null) {
            for (Map.Entry<String, ValueState<byte[]>> value : values.entrySet()) {
                byte[] stored = context.state().get(value.getValue()).orElse(null);
                state.set(value.getKey(), stored == null ? JSON.nullNode() : JSON.readTree(stored));
            }
        }
        JsonNode changed = remote.handle(event, state, context);
        Iterator<Map.Entry<String, JsonNode>> fields = changed.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            ValueState<byte[]> value = values.get(field.getKey());
            if (value == null) {
                throw new RemoteFunctionException(remote + " answered the state '" + field.getKey() + "', which it"
                        + " does not declare; its manifest's state.values are " + values.keySet());
            }
            context.state().set(value, field.getValue().isNull() ? null : bytes(field.getValue()));
        }
    }

    private static byte[] bytes(JsonNode value) throws JsonProcessingException {
        return JSON.writeValueAsBytes(value);
    }

    @Override
    public void open(dev.eddy.sdk.Environment environment) throws Exception {
        remote.open(environment);
    }

    @Override
    public void workers(int count) {
        remote.workers(count);
    }

    @Override
    public void close() {
        remote.close();
    }

    @Override
    public String toString() {
        return remote + " with state " + values.keySet();
    }
}
