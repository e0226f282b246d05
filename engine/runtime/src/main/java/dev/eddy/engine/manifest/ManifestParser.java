package dev.eddy.engine.manifest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.eddy.engine.CloudEventsMode;
import dev.eddy.engine.Delivery;
import dev.eddy.engine.InvalidFunctionException;
import dev.eddy.engine.Ordering;
import dev.eddy.engine.StateBackend;
import dev.eddy.engine.RetryPolicy;
import dev.eddy.sdk.FunctionConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads a {@code function.yaml} into a {@link Manifest}, field by field: the first field that is wrong throws an
 * {@link InvalidFunctionException} naming it, its value and what would be valid; an unknown field is refused with
 * the nearest known one suggested, since a misspelt optional field would otherwise be silently ignored.
 */
public final class ManifestParser {

    /** The largest manifest read. */
    public static final int MAX_BYTES = 64 * 1024;

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Pattern CONFIG_KEY = Pattern.compile("[a-zA-Z0-9._-]{1,128}");
    private static final Pattern SECRET_REF = Pattern.compile("(env:[A-Za-z_][A-Za-z0-9_]*|file:/.+)");
    private static final Set<Integer> MEMORY_CLASSES = Set.of(128, 256, 512, 1024, 2048, 4096, 8192);

    private ManifestParser() {
    }

    /** @throws InvalidFunctionException naming the first wrong field */
    public static Manifest parse(String yaml) {
        if (yaml.length() > MAX_BYTES) {
            throw new InvalidFunctionException("function.yaml", yaml.length() + " characters",
                    "a manifest of at most " + MAX_BYTES + " characters");
        }
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new InvalidFunctionException("function.yaml", "line " + e.getLocation().getLineNr(),
                    "valid YAML; the parser said: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidFunctionException("function.yaml", root == null ? null : root.getNodeType(),
                    "a YAML mapping of fields such as name, handler, inputs");
        }
        checkKnownFields(root, "");
        Reader in = new Reader(root);

        String name = in.text(ManifestField.NAME, null);
        String handler = in.text(ManifestField.HANDLER, null);
        String remote = in.text(ManifestField.REMOTE_URL, null);
        if ((handler == null) == (remote == null)) {
            throw new InvalidFunctionException(handler == null ? "handler" : "remote.url",
                    handler == null ? null : handler, "a function has either a Java handler (handler) or a remote URL"
                            + " (remote.url), exactly one");
        }
        Manifest.Runtime runtime = in.enumValue(ManifestField.RUNTIME, Manifest.Runtime.class, Manifest.Runtime.JAVA);
        if (runtime != Manifest.Runtime.JAVA && remote != null) {
            throw new InvalidFunctionException("remote.url", remote, "no remote.url for runtime: "
                    + runtime.name().toLowerCase(java.util.Locale.ROOT) + ": the engine runs its processes itself;"
                    + " give handler, the entry point, instead");
        }
        if (handler != null && !runtime.entryPoint().matcher(handler).matches()) {
            throw new InvalidFunctionException("handler", handler, runtime.entryPointText());
        }
        List<String> inputs = in.textList(ManifestField.INPUTS);
        String inputPattern = in.text(ManifestField.INPUT_PATTERN, null);
        Map<String, String> outputs = in.textMap(ManifestField.OUTPUTS);
        Delivery delivery = in.enumValue(ManifestField.DELIVERY, Delivery.class, null);
        int batchMaxSize = in.integer(ManifestField.BATCH_MAX_SIZE, 0); // 0: no batches
        Duration batchMaxWait = in.duration(ManifestField.BATCH_MAX_WAIT,
                ManifestField.BATCH_MAX_WAIT.durationDefault());
        int scalingMax = in.integer(ManifestField.SCALING_MAX, ManifestField.SCALING_MAX.intDefault());
        int scalingMin = in.integer(ManifestField.SCALING_MIN,
                Math.min(ManifestField.SCALING_MIN.intDefault(), scalingMax));
        if (scalingMin > scalingMax) {
            throw in.invalid(ManifestField.SCALING_MIN, scalingMin);
        }
        Duration idleAfter = in.duration(ManifestField.SCALING_IDLE_AFTER,
                ManifestField.SCALING_IDLE_AFTER.durationDefault());
        int memory = in.integer(ManifestField.MEMORY, ManifestField.MEMORY.intDefault());
        if (!MEMORY_CLASSES.contains(memory)) {
            throw in.invalid(ManifestField.MEMORY, memory);
        }
        Map<String, String> config = in.textMap(ManifestField.CONFIG);
        for (String key : config.keySet()) {
            if (!CONFIG_KEY.matcher(key).matches()) {
                throw new InvalidFunctionException("config." + key, config.get(key), ManifestField.CONFIG.valid());
            }
        }
        Map<String, String> secrets = in.textMap(ManifestField.SECRETS);
        for (Map.Entry<String, String> secret : secrets.entrySet()) {
            if (!SECRET_REF.matcher(secret.getValue()).matches()) {
                throw new InvalidFunctionException("secrets." + secret.getKey(), secret.getValue(),
                        ManifestField.SECRETS.valid() + " (the secret's value itself never goes in the manifest)");
            }
        }
        List<String> stateValues = in.textList(ManifestField.STATE_VALUES);
        for (String value : stateValues) {
            try {
                dev.eddy.sdk.StateSpec.checkName(value);
            } catch (IllegalArgumentException e) {
                throw new InvalidFunctionException(ManifestField.STATE_VALUES.path(), value, e.getMessage());
            }
        }
        if (!stateValues.isEmpty() && handler != null && runtime == Manifest.Runtime.JAVA) {
            throw new InvalidFunctionException(ManifestField.STATE_VALUES.path(), stateValues, "no state.values for a"
                    + " Java handler: it declares its state in code, in its handler's state()");
        }
        if (!stateValues.isEmpty() && batchMaxSize > 0) {
            throw new InvalidFunctionException(ManifestField.BATCH_MAX_SIZE.path(), batchMaxSize, "no batches for a"
                    + " remote function with state: its events go one at a time, each seeing the state the one"
                    + " before left");
        }
        Map<String, String> tables = in.textMap(ManifestField.TABLES);
        for (String table : tables.keySet()) {
            try {
                dev.eddy.sdk.StateSpec.checkName(table);
            } catch (IllegalArgumentException e) {
                throw new InvalidFunctionException(ManifestField.TABLES.path() + "." + table, tables.get(table),
                        e.getMessage().replace("state name", "table name"));
            }
        }
        if (!tables.isEmpty() && (remote != null || runtime != Manifest.Runtime.JAVA)) {
            throw new InvalidFunctionException(ManifestField.TABLES.path(), tables.keySet(), "no tables for a remote"
                    + " function: tables are looked up by a Java handler (ctx.table)");
        }
        Duration stateTtl = in.root.has("state") && in.root.get("state").has("ttl")
                ? in.duration(ManifestField.STATE_TTL, null) : null;
        Manifest manifest = new Manifest(name, in.text(ManifestField.VERSION, "1"), handler,
                remote == null ? null : url(remote), inputs, inputPattern, outputs,
                in.enumValue(ManifestField.KEY_FORMAT, Manifest.Format.class, Manifest.Format.STRING),
                in.enumValue(ManifestField.VALUE_FORMAT, Manifest.Format.class, Manifest.Format.JSON),
                in.enumValue(ManifestField.ORDERING, Ordering.class, Ordering.KEY),
                in.integer(ManifestField.MAX_CONCURRENCY, ManifestField.MAX_CONCURRENCY.intDefault()),
                delivery,
                in.duration(ManifestField.TIMEOUT, ManifestField.TIMEOUT.durationDefault()),
                retry(in), batchMaxSize, batchMaxWait, in.text(ManifestField.DEAD_LETTER_TOPIC, null),
                memory, scalingMin, scalingMax, idleAfter, config, secrets,
                StateBackend.of(in.text(ManifestField.STATE_STORE, null), in.text(ManifestField.STATE_URL, null)),
                stateValues, stateTtl,
                in.enumValue(ManifestField.CLOUDEVENTS, CloudEventsMode.class, CloudEventsMode.AUTO),
                in.textMap(ManifestField.KAFKA_CONSUMER), in.textMap(ManifestField.KAFKA_PRODUCER),
                startingPosition(in), window(in), tables, runtime);
        // The rest (names, topics, the retry policy against the delivery) is checked as a function definition is:
        // build one with a stand-in handler, so that a manifest that parses is one that deploys.
        List<dev.eddy.sdk.StateSpec> remoteState = dev.eddy.engine.remote.StatefulRemoteHandler.specs(stateValues,
                stateTtl);
        manifest.toDefinition(manifest.window() != null ? STAND_IN_WINDOWED
                : batchMaxSize > 0 || (manifest.speaksRemoteProtocol() && remoteState.isEmpty())
                ? new dev.eddy.sdk.BatchHandler() {
                    @Override
                    public dev.eddy.sdk.BatchResult handle(List<dev.eddy.sdk.Event> events,
                            dev.eddy.sdk.Context context) {
                        return null;
                    }

                    @Override
                    public List<dev.eddy.sdk.TableSpec<?>> tables() {
                        return standInTables(manifest);
                    }
                }
                : new dev.eddy.sdk.Handler() {
                    @Override
                    public void handle(dev.eddy.sdk.Event event, dev.eddy.sdk.Context context) {
                    }

                    @Override
                    public List<dev.eddy.sdk.StateSpec> state() {
                        return remoteState;
                    }

                    @Override
                    public List<dev.eddy.sdk.TableSpec<?>> tables() {
                        return standInTables(manifest);
                    }
                }, Map.of());
        return manifest;
    }

    /** The tables a stand-in handler declares: the manifest's, so that their topics are checked as given. */
    private static List<dev.eddy.sdk.TableSpec<?>> standInTables(Manifest manifest) {
        return manifest.tables().keySet().stream().<dev.eddy.sdk.TableSpec<?>>map(name ->
                dev.eddy.sdk.TableSpec.named(name, dev.eddy.sdk.Codec.bytes())).toList();
    }

    /** A windowed function that stands in for the real one while a manifest with windows is checked. */
    private static final dev.eddy.sdk.window.WindowedFunction<byte[], Long, ?> STAND_IN_WINDOWED =
            dev.eddy.sdk.window.WindowedFunction.of(dev.eddy.sdk.Codec.bytes(), null,
                    dev.eddy.sdk.window.Aggregate.count());

    /** The manifest's windows, or null when it gives no window.* field. */
    private static dev.eddy.sdk.window.Window window(Reader in) {
        if (!in.root.has("window")) {
            return null;
        }
        String kind = in.text(ManifestField.WINDOW_KIND, null);
        if (kind == null) {
            throw new InvalidFunctionException(ManifestField.WINDOW_KIND.path(), null, "window.kind with the other"
                    + " window.* fields: " + ManifestField.WINDOW_KIND.valid());
        }
        Duration size = in.duration(ManifestField.WINDOW_SIZE, null);
        Duration advance = in.duration(ManifestField.WINDOW_ADVANCE, null);
        Duration gap = in.duration(ManifestField.WINDOW_GAP, null);
        Duration grace = in.duration(ManifestField.WINDOW_GRACE, Duration.ZERO);
        dev.eddy.sdk.window.Window.Emit emit = in.enumValue(ManifestField.WINDOW_EMIT,
                dev.eddy.sdk.window.Window.Emit.class, dev.eddy.sdk.window.Window.Emit.FINAL);
        dev.eddy.sdk.window.Window.Kind parsed = in.enumValue(ManifestField.WINDOW_KIND,
                dev.eddy.sdk.window.Window.Kind.class, null);
        String needs = switch (parsed) {
            case TUMBLING -> size == null ? "window.size" : advance != null ? "no window.advance (hopping windows"
                    + " have one)" : gap != null ? "no window.gap (session windows have one)" : null;
            case HOPPING -> size == null || advance == null ? "window.size and window.advance"
                    : gap != null ? "no window.gap (session windows have one)" : null;
            case SESSION -> gap == null ? "window.gap" : size != null || advance != null
                    ? "no window.size or window.advance (time windows have them)" : null;
        };
        if (needs != null) {
            throw new InvalidFunctionException(ManifestField.WINDOW_KIND.path(), kind, kind + " windows with "
                    + needs);
        }
        try {
            dev.eddy.sdk.window.Window window = switch (parsed) {
                case TUMBLING -> dev.eddy.sdk.window.Window.tumbling(size);
                case HOPPING -> dev.eddy.sdk.window.Window.hopping(size, advance);
                case SESSION -> dev.eddy.sdk.window.Window.session(gap);
            };
            return window.grace(grace).emit(emit);
        } catch (IllegalArgumentException e) {
            throw new InvalidFunctionException(parsed == dev.eddy.sdk.window.Window.Kind.HOPPING
                    ? ManifestField.WINDOW_ADVANCE.path() : ManifestField.WINDOW_KIND.path(), kind, e.getMessage());
        }
    }

    private static dev.eddy.engine.StartingPosition startingPosition(Reader in) {
        String text = in.text(ManifestField.STARTING_POSITION, "earliest");
        try {
            return dev.eddy.engine.StartingPosition.parse(text);
        } catch (IllegalArgumentException e) {
            throw in.invalid(ManifestField.STARTING_POSITION, text);
        }
    }

    private static RetryPolicy retry(Reader in) {
        if (!in.root.has("retry")) {
            return null;
        }
        RetryPolicy base = RetryPolicy.DEFAULT;
        return new RetryPolicy(
                in.integer(ManifestField.RETRY_MAX_ATTEMPTS, base.maxAttempts()),
                in.duration(ManifestField.RETRY_INITIAL_BACKOFF, base.initialBackoff()),
                in.duration(ManifestField.RETRY_MAX_BACKOFF, base.maxBackoff()),
                in.number(ManifestField.RETRY_MULTIPLIER, base.multiplier()),
                in.number(ManifestField.RETRY_JITTER, base.jitter()),
                in.duration(ManifestField.RETRY_MAX_AGE, base.maxAge()));
    }

    private static URI url(String text) {
        try {
            URI uri = new URI(text);
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // refused below
        }
        throw new InvalidFunctionException(ManifestField.REMOTE_URL.path(), text, ManifestField.REMOTE_URL.valid());
    }

    /** Refuses fields the catalogue does not know, suggesting the nearest one. */
    private static void checkKnownFields(JsonNode node, String prefix) {
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String path = prefix + field.getKey();
            var known = ManifestField.byPath(path);
            if (known.isPresent()) {
                continue;
            }
            boolean isGroup = Arrays.stream(ManifestField.values()).anyMatch(f -> f.path().startsWith(path + "."));
            if (isGroup && field.getValue().isObject()) {
                checkKnownFields(field.getValue(), path + ".");
                continue;
            }
            String nearest = Arrays.stream(ManifestField.values()).map(ManifestField::path)
                    .min((a, b) -> Integer.compare(distance(a, path), distance(b, path))).orElseThrow();
            throw new InvalidFunctionException(path, field.getValue().isValueNode() ? field.getValue().asText()
                    : field.getValue().getNodeType(), "no such field"
                    + (distance(nearest, path) <= 3 ? "; did you mean '" + nearest + "'?" : "")
                    + " The fields are: " + Arrays.stream(ManifestField.values()).map(ManifestField::path)
                    .collect(Collectors.joining(", ")));
        }
    }

    /** Edit distance, case-insensitive. */
    private static int distance(String a, String b) {
        String x = a.toLowerCase();
        String y = b.toLowerCase();
        int[] previous = new int[y.length() + 1];
        int[] current = new int[y.length() + 1];
        for (int j = 0; j <= y.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= x.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= y.length(); j++) {
                int cost = x.charAt(i - 1) == y.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[y.length()];
    }

    /** Typed reads of the catalogue's fields, each refusing a wrong value with the field's own valid values. */
    private record Reader(JsonNode root) {

        JsonNode node(ManifestField field) {
            JsonNode node = root;
            for (String part : field.path().split("\\.")) {
                node = node == null ? null : node.get(part);
            }
            return node == null || node.isNull() ? null : node;
        }

        InvalidFunctionException invalid(ManifestField field, Object value) {
            return new InvalidFunctionException(field.path(), value, field.valid());
        }

        String text(ManifestField field, String defaultValue) {
            JsonNode node = node(field);
            if (node == null) {
                return defaultValue;
            }
            if (!node.isValueNode()) {
                throw invalid(field, node.getNodeType());
            }
            return node.asText();
        }

        List<String> textList(ManifestField field) {
            JsonNode node = node(field);
            if (node == null) {
                return List.of();
            }
            if (node.isTextual()) {
                return List.of(node.asText()); // a single topic written without brackets
            }
            if (!node.isArray()) {
                throw invalid(field, node.getNodeType());
            }
            List<String> values = new ArrayList<>();
            for (JsonNode item : node) {
                if (!item.isValueNode()) {
                    throw invalid(field, item.getNodeType());
                }
                values.add(item.asText());
            }
            return values;
        }

        Map<String, String> textMap(ManifestField field) {
            JsonNode node = node(field);
            if (node == null) {
                return Map.of();
            }
            if (!node.isObject()) {
                throw invalid(field, node.getNodeType());
            }
            Map<String, String> values = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> entries = node.fields();
            while (entries.hasNext()) {
                Map.Entry<String, JsonNode> entry = entries.next();
                if (!entry.getValue().isValueNode() || entry.getValue().isNull()) {
                    throw new InvalidFunctionException(field.path() + "." + entry.getKey(),
                            entry.getValue().getNodeType(), field.valid());
                }
                values.put(entry.getKey(), entry.getValue().asText());
            }
            return values;
        }

        /** The field's whole number within its bounds, or the default when it is absent. */
        int integer(ManifestField field, int defaultValue) {
            JsonNode node = node(field);
            if (node == null) {
                return defaultValue;
            }
            if (!node.canConvertToInt() || !node.isIntegralNumber()) {
                throw invalid(field, node.asText());
            }
            return field.check(node.asInt());
        }

        /** The field's number within its bounds, or the default when it is absent. */
        double number(ManifestField field, double defaultValue) {
            JsonNode node = node(field);
            if (node == null) {
                return defaultValue;
            }
            if (!node.isNumber()) {
                throw invalid(field, node.asText());
            }
            return field.check(node.asDouble());
        }

        /** The field's duration within its bounds, or the default when it is absent. */
        Duration duration(ManifestField field, Duration defaultValue) {
            String text = text(field, null);
            if (text == null) {
                return defaultValue;
            }
            Duration value;
            try {
                value = FunctionConfig.parseDuration(text);
            } catch (IllegalArgumentException e) {
                throw new InvalidFunctionException(field.path(), text, FunctionConfig.DURATION_FORMAT + ", " + field.valid());
            }
            try {
                return field.check(value);
            } catch (InvalidFunctionException e) {
                throw invalid(field, text); // as the manifest writes it
            }
        }

        <E extends Enum<E>> E enumValue(ManifestField field, Class<E> type, E defaultValue) {
            String text = text(field, null);
            if (text == null) {
                return defaultValue;
            }
            try {
                return Enum.valueOf(type, text.trim().toUpperCase().replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw invalid(field, text);
            }
        }
    }
}
