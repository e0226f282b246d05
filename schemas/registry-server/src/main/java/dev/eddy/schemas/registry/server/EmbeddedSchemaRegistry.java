package dev.eddy.schemas.registry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.eddy.engine.EddyException;
import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.kafka.ClientConfigs;
import dev.eddy.engine.kafka.Topics;
import dev.eddy.observability.http.HttpExchanges;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * A schema registry with the Confluent REST API (what its clients, and Confluent's own, use). Its schemas live in a
 * compacted Kafka topic ({@link #TOPIC}, one partition) that every registry reads from the start and then follows,
 * so that they survive restarts and any number of registries on the same Kafka serve the same schemas under the
 * same ids; compatibility is judged by Avro's own {@code SchemaCompatibility}; errors come in the Confluent format
 * ({@code {"error_code": 40401, "message": "..."}}). Avro only.
 *
 * <p>The topic is the log of a state machine: a registration is written as a <em>proposal</em> (subject and schema
 * only), and every registry applies the proposals in the topic's order by the same rule — a schema already under the
 * subject changes nothing, one its subject's compatibility refuses is dropped, any other becomes the subject's next
 * version, under the id of the same schema elsewhere or the highest id plus one. So registries never need to agree
 * on anything but the order Kafka gives them, and two registering at once cannot hand out one id twice. A writer
 * answers once its own registry has applied its record; a reader that misses an id or subject first reads up to the
 * topic's end, so that what was registered anywhere is found.
 *
 * <pre>
 * GET  /subjects                                   GET  /schemas/ids/{id}
 * GET  /subjects/{s}/versions                      GET  /schemas/ids/{id}/versions
 * GET  /subjects/{s}/versions/{v|latest}[/schema]  POST /compatibility/subjects/{s}/versions/{v|latest}
 * POST /subjects/{s}/versions   (register)         GET|PUT /config, /config/{s}
 * POST /subjects/{s}            (look up)
 * </pre>
 */
public final class EmbeddedSchemaRegistry implements AutoCloseable {

    /** Where the schemas are kept. */
    public static final String TOPIC = "eddy.schemas";
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final long MAX_BODY_BYTES = 16 * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(EmbeddedSchemaRegistry.class);

    private final EngineConfig config;
    private final KafkaProducer<byte[], byte[]> producer;
    private final HttpServer server;
    /** Registered schemas by subject, then version. Guarded by this. */
    private final Map<String, TreeMap<Integer, Version>> subjects = new TreeMap<>();
    /** Schemas by id, with their canonical text. Guarded by this. */
    private final Map<Integer, Schema> ids = new TreeMap<>();
    /** Compatibility levels: "" for the registry's, else by subject. Guarded by this. */
    private final Map<String, Compatibility> levels = new TreeMap<>();

    private record Version(String subject, int version, int id, Schema schema) {
    }

    /** Follows the topic. */
    private final KafkaConsumer<byte[], byte[]> tail;
    /** Reads where the topic ends, for readers catching up; guarded by itself. */
    private final KafkaConsumer<byte[], byte[]> ends;
    private final Thread follower;
    private volatile boolean closing;
    /** The offset up to which the topic is applied (the next to apply). Guarded by this. */
    private long applied;
    /** Proposals of this registry not applied yet, and why those refused were: by proposal id. Guarded by this. */
    private final Map<String, String> refusals = new java.util.HashMap<>();
    private final java.util.Set<String> proposing = new java.util.HashSet<>();
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);

    /**
     * Creates the topic if missing, reads it whole, and starts serving.
     *
     * @param port the port on {@code 127.0.0.1}; 0 picks a free one
     */
    public EmbeddedSchemaRegistry(EngineConfig config, Admin admin, String host, int port) throws IOException {
        this.config = config;
        Topics.createCompacted(admin, TOPIC, 1);
        this.tail = new KafkaConsumer<>(ClientConfigs.reader(config, "eddy-schema-registry-tail"));
        this.ends = new KafkaConsumer<>(ClientConfigs.reader(config, "eddy-schema-registry-ends"));
        this.producer = new KafkaProducer<>(ClientConfigs.producer(config, "eddy-schema-registry"));
        tail.assign(List.of(PARTITION));
        tail.seekToBeginning(List.of(PARTITION));
        this.follower = Thread.ofPlatform().name("eddy-schema-registry-tail").daemon().unstarted(this::follow);
        HttpServer listening = null;
        try {
            follower.start();
            catchUp();
            listening = HttpServer.create(new InetSocketAddress(host, port), 0);
        } catch (java.net.BindException e) {
            close(null);
            throw new EddyException("The schema registry cannot listen on " + host + ":" + port + " (" + e.getMessage()
                    + "): another process has the port", e);
        } catch (RuntimeException | IOException e) {
            close(null);
            throw e;
        }
        this.server = listening;
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The URL clients use. */
    public String url() {
        return "http://" + server.getAddress().getHostString() + ":" + port();
    }

    /** Applies the topic's records as they come, for as long as the registry runs. */
    private void follow() {
        while (!closing) {
            try {
                for (ConsumerRecord<byte[], byte[]> record : tail.poll(Duration.ofMillis(100))) {
                    if (record.value() != null) {
                        apply(record.offset(), JSON.readTree(record.value()));
                    }
                }
                long position = tail.position(PARTITION);
                synchronized (this) {
                    applied = Math.max(applied, position);
                    notifyAll();
                }
            } catch (org.apache.kafka.common.errors.WakeupException | org.apache.kafka.common.errors.InterruptException e) {
                return; // closing
            } catch (IOException | RuntimeException e) {
                if (closing) {
                    return;
                }
                log.error("The schema registry could not apply a record of '{}'; it stops following it: {}", TOPIC,
                        e.toString());
                return;
            }
        }
    }

    /** Waits until everything written to the topic before now is applied. */
    private void catchUp() {
        long end;
        synchronized (ends) {
            end = ends.endOffsets(List.of(PARTITION), TIMEOUT).get(PARTITION);
        }
        awaitApplied(end);
    }

    /** Waits until the records before this offset are applied. */
    private synchronized void awaitApplied(long offset) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (applied < offset) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !follower.isAlive()) {
                throw new RegistryError(500, 50002, "the registry has not read '" + TOPIC + "' up to offset " + offset
                        + " (it is at " + applied + ")" + (follower.isAlive() ? " within " + TIMEOUT.toSeconds()
                        + " s" : ": it stopped following it, see the engine's log"));
            }
            try {
                wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryError(500, 50002, "interrupted while waiting for '" + TOPIC + "'");
            }
        }
    }

    /** Applies one stored record: a proposed schema, a schema version, or a compatibility level. */
    private synchronized void apply(long offset, JsonNode record) {
        if (record.has("compatibility")) {
            levels.put(record.path("subject").asText(""), Compatibility.valueOf(record.get("compatibility").asText()));
        } else if (record.has("proposal")) {
            String proposal = record.get("proposal").asText();
            String refused = propose(record.get("subject").asText(), new Schema.Parser().parse(
                    record.get("schema").asText()));
            if (refused != null && proposing.contains(proposal)) {
                refusals.put(proposal, refused);
            }
            proposing.remove(proposal);
        } else {
            Schema schema = new Schema.Parser().parse(record.get("schema").asText());
            add(new Version(record.get("subject").asText(), record.get("version").asInt(), record.get("id").asInt(),
                    schema));
        }
        applied = offset + 1;
        notifyAll();
    }

    /**
     * The rule every registry applies a proposal by, in the topic's order.
     *
     * @return why the subject's compatibility refuses it, or null
     */
    private String propose(String subject, Schema schema) {
        TreeMap<Integer, Version> versions = subjects.getOrDefault(subject, new TreeMap<>());
        for (Version version : versions.values()) {
            if (version.schema().equals(schema)) {
                return null; // registered already
            }
        }
        Compatibility level = level(subject, true);
        List<String> broken = level.check(schema, versions.values().stream().map(Version::schema).toList());
        if (!broken.isEmpty()) {
            return "Schema being registered is incompatible with an earlier schema for subject \"" + subject + "\" ("
                    + level + "): " + String.join("; ", broken);
        }
        int id = ids.entrySet().stream().filter(e -> e.getValue().equals(schema)).map(Map.Entry::getKey)
                .findFirst().orElseGet(() -> ids.keySet().stream().mapToInt(Integer::intValue).max().orElse(0) + 1);
        add(new Version(subject, versions.isEmpty() ? 1 : versions.lastKey() + 1, id, schema));
        return null;
    }

    private void add(Version version) {
        subjects.computeIfAbsent(version.subject(), s -> new TreeMap<>()).put(version.version(), version);
        ids.putIfAbsent(version.id(), version.schema());
    }

    /** Writes a record to the topic and waits until this registry has applied it. */
    private void store(String key, ObjectNode record) {
        long offset;
        try {
            offset = producer.send(new ProducerRecord<>(TOPIC, 0, key.getBytes(StandardCharsets.UTF_8),
                    JSON.writeValueAsBytes(record))).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).offset();
        } catch (ExecutionException | TimeoutException | IOException e) {
            throw new RegistryError(500, 50001, "the schema could not be stored in '" + TOPIC + "': " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryError(500, 50001, "interrupted while storing the schema");
        }
        awaitApplied(offset + 1);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            String[] path = segments(exchange.getRequestURI().getRawPath());
            String method = exchange.getRequestMethod();
            send(exchange, 200, route(method, path, exchange));
        } catch (RegistryError e) {
            send(exchange, e.status, JSON.createObjectNode().put("error_code", e.code).put("message", e.getMessage()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            send(exchange, 422, JSON.createObjectNode().put("error_code", 42201)
                    .put("message", "the request body is not JSON: " + e.getOriginalMessage()));
        } catch (RuntimeException e) {
            send(exchange, 500, JSON.createObjectNode().put("error_code", 50001).put("message", e.toString()));
        } finally {
            exchange.close();
        }
    }

    private JsonNode route(String method, String[] path, HttpExchange exchange) throws IOException {
        String first = path.length > 0 ? path[0] : "";
        switch (first) {
            case "" -> {
                return JSON.createObjectNode();
            }
            case "subjects" -> {
                if (path.length == 1 && method.equals("GET")) {
                    return subjects();
                }
                String subject = path[1];
                if (path.length == 2 && method.equals("POST")) {
                    return lookup(subject, schema(exchange));
                }
                if (path.length == 3 && path[2].equals("versions") && method.equals("POST")) {
                    return JSON.createObjectNode().put("id", register(subject, schema(exchange)));
                }
                if (path.length == 3 && path[2].equals("versions") && method.equals("GET")) {
                    ArrayNode versions = JSON.createArrayNode();
                    versionsOf(subject).keySet().forEach(versions::add);
                    return versions;
                }
                if (path.length >= 4 && path[2].equals("versions") && method.equals("GET")) {
                    Version version = version(subject, path[3]);
                    if (path.length == 5 && path[4].equals("schema")) {
                        return JSON.readTree(version.schema().toString());
                    }
                    return describe(version);
                }
            }
            case "schemas" -> {
                if (path.length >= 3 && path[1].equals("ids") && method.equals("GET")) {
                    int id = number(path[2], "schema id");
                    Schema schema = schemaById(id);
                    if (path.length == 4 && path[3].equals("versions")) {
                        return versionsOfId(id);
                    }
                    return JSON.createObjectNode().put("schema", schema.toString());
                }
            }
            case "compatibility" -> {
                if (path.length == 5 && path[1].equals("subjects") && path[3].equals("versions")
                        && method.equals("POST")) {
                    return compatibility(path[2], path[4], schema(exchange));
                }
            }
            case "config" -> {
                String subject = path.length > 1 ? path[1] : "";
                if (method.equals("GET")) {
                    return JSON.createObjectNode().put("compatibilityLevel", level(subject,
                            subject.isEmpty() || "true".equals(query(exchange).get("defaultToGlobal"))).name());
                }
                if (method.equals("PUT")) {
                    JsonNode body = JSON.readTree(body(exchange));
                    Compatibility level = Compatibility.parse(body.path("compatibility").asText(null));
                    store("config/" + subject, JSON.createObjectNode().put("subject", subject)
                            .put("compatibility", level.name()));
                    return JSON.createObjectNode().put("compatibility", level.name());
                }
            }
            default -> {
            }
        }
        throw new RegistryError(404, 404, "no such resource: " + method + " /" + String.join("/", path));
    }

    private JsonNode subjects() {
        catchUp();
        synchronized (this) {
            ArrayNode names = JSON.createArrayNode();
            subjects.keySet().forEach(names::add);
            return names;
        }
    }

    /** A subject's versions; one that is not known yet is looked for again once the topic is read to its end. */
    private TreeMap<Integer, Version> versionsOf(String subject) {
        TreeMap<Integer, Version> versions = knownVersions(subject);
        if (versions == null) {
            catchUp();
            versions = knownVersions(subject);
        }
        if (versions == null) {
            throw new RegistryError(404, 40401, "Subject '" + subject + "' not found.");
        }
        return versions;
    }

    private synchronized TreeMap<Integer, Version> knownVersions(String subject) {
        TreeMap<Integer, Version> versions = subjects.get(subject);
        return versions == null || versions.isEmpty() ? null : new TreeMap<>(versions);
    }

    private Version version(String subject, String which) {
        TreeMap<Integer, Version> versions = versionsOf(subject);
        if (which.equals("latest") || which.equals("-1")) {
            return versions.lastEntry().getValue();
        }
        Version version = versions.get(number(which, "version"));
        if (version == null) {
            throw new RegistryError(404, 40402, "Version " + which + " not found.");
        }
        return version;
    }

    /** A schema by id; one not known yet is looked for again once the topic is read to its end. */
    private Schema schemaById(int id) {
        Schema schema = knownSchema(id);
        if (schema == null) {
            catchUp();
            schema = knownSchema(id);
        }
        if (schema == null) {
            throw new RegistryError(404, 40403, "Schema " + id + " not found");
        }
        return schema;
    }

    private synchronized Schema knownSchema(int id) {
        return ids.get(id);
    }

    private synchronized JsonNode versionsOfId(int id) {
        ArrayNode uses = JSON.createArrayNode();
        subjects.values().forEach(versions -> versions.values().stream().filter(v -> v.id() == id)
                .forEach(v -> uses.addObject().put("subject", v.subject()).put("version", v.version())));
        return uses;
    }

    private JsonNode lookup(String subject, Schema schema) {
        for (Version version : versionsOf(subject).values()) {
            if (version.schema().equals(schema)) {
                return describe(version);
            }
        }
        throw new RegistryError(404, 40403, "Schema not found");
    }

    /** Registers a schema (or finds it registered) under the subject, checking the subject's compatibility. */
    private int register(String subject, Schema schema) {
        synchronized (this) {
            Integer known = idUnder(subject, schema);
            if (known != null) {
                return known; // registered already: no need to ask the topic
            }
        }
        catchUp();
        String proposal = java.util.UUID.randomUUID().toString();
        synchronized (this) {
            Integer known = idUnder(subject, schema);
            if (known != null) {
                return known;
            }
            proposing.add(proposal);
        }
        store("proposal/" + subject + "/" + proposal, JSON.createObjectNode().put("proposal", proposal)
                .put("subject", subject).put("schema", schema.toString()));
        synchronized (this) {
            String refused = refusals.remove(proposal);
            if (refused != null) {
                throw new RegistryError(409, 409, refused);
            }
            return idUnder(subject, schema);
        }
    }

    private Integer idUnder(String subject, Schema schema) {
        for (Version version : subjects.getOrDefault(subject, new TreeMap<>()).values()) {
            if (version.schema().equals(schema)) {
                return version.id();
            }
        }
        return null;
    }

    private JsonNode compatibility(String subject, String which, Schema schema) {
        List<Schema> against;
        synchronized (this) {
            TreeMap<Integer, Version> versions = subjects.get(subject);
            if (versions == null || versions.isEmpty()) {
                return JSON.createObjectNode().put("is_compatible", true);
            }
            against = which.equals("latest") ? List.of(versions.lastEntry().getValue().schema())
                    : List.of(version(subject, which).schema());
        }
        List<String> broken = level(subject, true).check(schema, against);
        ObjectNode answer = JSON.createObjectNode().put("is_compatible", broken.isEmpty());
        ArrayNode messages = answer.putArray("messages");
        broken.forEach(messages::add);
        return answer;
    }

    private synchronized Compatibility level(String subject, boolean defaultToGlobal) {
        Compatibility own = levels.get(subject);
        if (own != null) {
            return own;
        }
        if (!defaultToGlobal && !subject.isEmpty()) {
            throw new RegistryError(404, 40408, "Subject '" + subject + "' does not have subject-level compatibility"
                    + " configured");
        }
        return levels.getOrDefault("", Compatibility.BACKWARD);
    }

    private static JsonNode describe(Version version) {
        return JSON.createObjectNode().put("subject", version.subject()).put("version", version.version())
                .put("id", version.id()).put("schema", version.schema().toString());
    }

    private static Schema schema(HttpExchange exchange) throws IOException {
        JsonNode body;
        try {
            body = JSON.readTree(body(exchange));
        } catch (IOException e) {
            throw new RegistryError(422, 42201, "the request body is not JSON: " + e.getMessage());
        }
        String type = body.path("schemaType").asText("AVRO");
        if (!type.equals("AVRO")) {
            throw new RegistryError(422, 42201, "schemaType " + type + " is not served here: Avro only");
        }
        try {
            return new Schema.Parser().parse(body.path("schema").asText());
        } catch (SchemaParseException e) {
            throw new RegistryError(422, 42201, "Invalid schema: " + e.getMessage());
        }
    }

    private static byte[] body(HttpExchange exchange) throws IOException {
        try {
            return HttpExchanges.body(exchange, MAX_BODY_BYTES, "the registry's limit, 16 MiB");
        } catch (HttpExchanges.Refused e) {
            throw new RegistryError(e.status(), e.status(), e.getMessage());
        }
    }

    private static Map<String, String> query(HttpExchange exchange) {
        try {
            return HttpExchanges.query(exchange);
        } catch (HttpExchanges.Refused e) {
            throw new RegistryError(e.status(), e.status(), e.getMessage());
        }
    }

    private static int number(String text, String what) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new RegistryError(422, 42202, "the " + what + " '" + text + "' is not a number");
        }
    }

    private static String[] segments(String rawPath) {
        List<String> segments = new ArrayList<>();
        for (String segment : rawPath.split("/")) {
            if (!segment.isEmpty()) {
                segments.add(URLDecoder.decode(segment, StandardCharsets.UTF_8));
            }
        }
        return segments.toArray(String[]::new);
    }

    private static void send(HttpExchange exchange, int status, JsonNode body) throws IOException {
        HttpExchanges.send(exchange, status, CONTENT_TYPE, JSON.writeValueAsBytes(body));
    }

    @Override
    public void close() {
        close(server);
    }

    private void close(HttpServer listening) {
        if (listening != null) {
            listening.stop(0);
        }
        closing = true;
        tail.wakeup();
        try {
            follower.join(TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        tail.close(Duration.ofSeconds(5));
        synchronized (ends) {
            ends.close(Duration.ofSeconds(5));
        }
        producer.close(Duration.ofSeconds(5));
    }

    /** A refusal in the Confluent format. */
    private static final class RegistryError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int status;
        private final int code;

        RegistryError(int status, int code, String message) {
            super(message);
            this.status = status;
            this.code = code;
        }
    }

    /** The compatibility levels of the Confluent API, judged with Avro's own rules. */
    enum Compatibility {
        NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE;

        static Compatibility parse(String text) {
            try {
                return valueOf(text);
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new RegistryError(422, 42203, "Invalid compatibility level '" + text + "': one of "
                        + java.util.Arrays.toString(values()));
            }
        }

        /** What breaks, checking a new schema against the subject's versions (oldest first); empty when none. */
        List<String> check(Schema next, List<Schema> versions) {
            if (this == NONE || versions.isEmpty()) {
                return List.of();
            }
            List<Schema> against = name().endsWith("TRANSITIVE") ? versions : List.of(versions.getLast());
            List<String> broken = new ArrayList<>();
            for (Schema previous : against) {
                if (this != FORWARD && this != FORWARD_TRANSITIVE) {
                    why("new schema cannot read data written with an earlier one", next, previous, broken);
                }
                if (this != BACKWARD && this != BACKWARD_TRANSITIVE) {
                    why("earlier schema cannot read data written with the new one", previous, next, broken);
                }
            }
            return broken;
        }

        private static void why(String what, Schema reader, Schema writer, List<String> broken) {
            var result = org.apache.avro.SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
            if (result.getType() != org.apache.avro.SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
                for (var incompatibility : result.getResult().getIncompatibilities()) {
                    broken.add(what + ": " + incompatibility.getType() + " at " + incompatibility.getLocation()
                            + " (" + incompatibility.getMessage() + ")");
                }
            }
        }
    }
}
