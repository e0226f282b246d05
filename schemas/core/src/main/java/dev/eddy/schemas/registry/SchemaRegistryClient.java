package dev.eddy.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eddy.schemas.serde.SchemaLookup;
import dev.eddy.schemas.serde.SerdeException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import org.apache.avro.Schema;

/**
 * A client of the Confluent Schema Registry REST API — which Confluent's registry, Karapace, Redpanda, Apicurio (in
 * its Confluent mode) and Eddy's embedded registry all serve. Ids and schemas are cached (an id's schema never
 * changes); a request that gets no answer or a 5xx is tried again, with a growing pause, up to {@code attempts}
 * times; 4xx answers are not tried again and surface as {@link RegistryException} with the registry's error code.
 *
 * <p>As a {@link SchemaLookup} it serves the wire-format serde. Thread-safe.
 */
public final class SchemaRegistryClient implements SchemaLookup, AutoCloseable {

    /** The registry API's content type. */
    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final Duration timeout;
    private final int attempts;
    private final Duration backoff;
    private final String authorization;
    private final HttpClient http;
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<String, Map<Schema, Integer>> idsBySubject = new ConcurrentHashMap<>();

    /** A registered schema as the registry describes it. */
    public record Registered(String subject, int version, int id, Schema schema) {
    }

    private SchemaRegistryClient(Builder builder) {
        String url = builder.url.endsWith("/") ? builder.url : builder.url + "/";
        this.base = URI.create(url);
        this.timeout = builder.timeout;
        this.attempts = builder.attempts;
        this.backoff = builder.backoff;
        this.authorization = builder.user == null ? null : "Basic " + Base64.getEncoder().encodeToString(
                (builder.user + ":" + builder.password).getBytes(StandardCharsets.UTF_8));
        HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(builder.timeout);
        if (builder.ssl != null) {
            http.sslContext(builder.ssl);
        }
        this.http = http.build();
    }

    /** @param url the registry's base URL, e.g. {@code http://127.0.0.1:8085} */
    public static Builder builder(String url) {
        return new Builder(url);
    }

    /** Settings of a client. */
    public static final class Builder {
        private final String url;
        private Duration timeout = Duration.ofSeconds(10);
        private int attempts = 3;
        private Duration backoff = Duration.ofMillis(100);
        private String user;
        private String password;
        private SSLContext ssl;

        private Builder(String url) {
            if (url == null || !(url.startsWith("http://") || url.startsWith("https://"))) {
                throw new IllegalArgumentException("a schema registry URL is http:// or https://; got " + url);
            }
            this.url = url;
        }

        /** How long one request may take (and connecting). Default 10 s. */
        public Builder timeout(Duration value) {
            this.timeout = value;
            return this;
        }

        /** Tries per request, for no answer or a 5xx; the pause before each doubles from {@code pause}. Default 3. */
        public Builder attempts(int value, Duration pause) {
            if (value < 1) {
                throw new IllegalArgumentException("attempts must be at least 1; got " + value);
            }
            this.attempts = value;
            this.backoff = pause;
            return this;
        }

        /** HTTP basic authentication. */
        public Builder basicAuth(String userName, String secret) {
            this.user = userName;
            this.password = secret;
            return this;
        }

        /** TLS settings for an https:// registry (trust store, client certificate). */
        public Builder ssl(SSLContext context) {
            this.ssl = context;
            return this;
        }

        public SchemaRegistryClient build() {
            return new SchemaRegistryClient(this);
        }
    }

    /**
     * Registers a schema under a subject (a no-op answering the same id when it is there already).
     *
     * @return its id
     * @throws RegistryException 409 when it breaks the subject's compatibility, 42201 when it does not parse
     */
    public int registerSchema(String subject, Schema schema) {
        Integer known = idsBySubject.getOrDefault(subject, Map.of()).get(schema);
        if (known != null) {
            return known;
        }
        JsonNode answer = send("POST", "subjects/" + encode(subject) + "/versions", body(schema));
        int id = answer.path("id").asInt();
        remember(subject, schema, id);
        return id;
    }

    /** The subject's registration of this schema, if it has one. */
    public Optional<Registered> lookup(String subject, Schema schema) {
        try {
            JsonNode answer = send("POST", "subjects/" + encode(subject), body(schema));
            Registered registered = registered(answer);
            remember(subject, schema, registered.id());
            return Optional.of(registered);
        } catch (RegistryException e) {
            if (e.errorCode() == RegistryException.SUBJECT_NOT_FOUND
                    || e.errorCode() == RegistryException.SCHEMA_NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * The schema of an id.
     *
     * @throws RegistryException 40403 when no schema has it
     */
    public Schema schemaById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        Schema schema = parse(send("GET", "schemas/ids/" + id, null).path("schema").asText());
        schemasById.put(id, schema);
        return schema;
    }

    /** Every subject. */
    public List<String> subjects() {
        List<String> subjects = new ArrayList<>();
        send("GET", "subjects", null).forEach(subject -> subjects.add(subject.asText()));
        return subjects;
    }

    /** A subject's versions, oldest first. */
    public List<Integer> versions(String subject) {
        List<Integer> versions = new ArrayList<>();
        send("GET", "subjects/" + encode(subject) + "/versions", null).forEach(v -> versions.add(v.asInt()));
        return versions;
    }

    /** @param version a version number, or {@code latest} */
    public Registered version(String subject, String version) {
        return registered(send("GET", "subjects/" + encode(subject) + "/versions/" + encode(version), null));
    }

    /** Whether the schema may be registered under the subject, by its compatibility level. */
    public boolean isCompatible(String subject, Schema schema) {
        try {
            return send("POST", "compatibility/subjects/" + encode(subject) + "/versions/latest", body(schema))
                    .path("is_compatible").asBoolean();
        } catch (RegistryException e) {
            if (e.errorCode() == RegistryException.SUBJECT_NOT_FOUND
                    || e.errorCode() == RegistryException.VERSION_NOT_FOUND) {
                return true; // nothing to be compatible with
            }
            throw e;
        }
    }

    /** The compatibility level of a subject (its own, else the registry's), or of the registry when null. */
    public String compatibility(String subject) {
        String path = subject == null ? "config" : "config/" + encode(subject) + "?defaultToGlobal=true";
        return send("GET", path, null).path("compatibilityLevel").asText();
    }

    /** Sets the compatibility level of a subject, or of the registry when null: BACKWARD, FULL, NONE, ... */
    public void setCompatibility(String subject, String level) {
        ObjectNode body = JSON.createObjectNode().put("compatibility", level);
        send("PUT", subject == null ? "config" : "config/" + encode(subject), body);
    }

    @Override
    public Schema schema(int id) {
        try {
            return schemaById(id);
        } catch (RegistryException e) {
            if (e.errorCode() == RegistryException.SCHEMA_NOT_FOUND) {
                throw new SerdeException(SerdeException.Reason.UNKNOWN_SCHEMA_ID, "the schema registry at " + base
                        + " has no schema with id " + id, e);
            }
            throw e;
        }
    }

    @Override
    public int register(String subject, Schema schema) {
        try {
            return registerSchema(subject, schema);
        } catch (RegistryException e) {
            throw new SerdeException(SerdeException.Reason.UNWRITABLE, "the schema registry at " + base
                    + " would not register " + schema.getFullName() + " under '" + subject + "': " + e.getMessage(), e);
        }
    }

    private void remember(String subject, Schema schema, int id) {
        idsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>()).put(schema, id);
        schemasById.putIfAbsent(id, schema);
    }

    private static ObjectNode body(Schema schema) {
        return JSON.createObjectNode().put("schema", schema.toString());
    }

    private static Registered registered(JsonNode answer) {
        return new Registered(answer.path("subject").asText(), answer.path("version").asInt(),
                answer.path("id").asInt(), parse(answer.path("schema").asText()));
    }

    private static Schema parse(String text) {
        return new Schema.Parser().parse(text);
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** One request, tried again on no answer or a 5xx. */
    private JsonNode send(String method, String path, JsonNode body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout)
                .header("Accept", CONTENT_TYPE + ", application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body.toString()));
        if (body != null) {
            request.header("Content-Type", CONTENT_TYPE);
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        RegistryException last = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            if (attempt > 1) {
                pause(backoff.multipliedBy(1L << Math.min(attempt - 2, 10)));
            }
            try {
                HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                JsonNode answer = response.body().isBlank() ? JSON.nullNode() : JSON.readTree(response.body());
                if (response.statusCode() < 300) {
                    return answer;
                }
                last = new RegistryException(response.statusCode(), answer.path("error_code").asInt(
                        response.statusCode()), "the schema registry answered " + response.statusCode() + " to "
                        + method + " /" + path + ": " + answer.path("message").asText(response.body()));
                if (response.statusCode() < 500) {
                    throw last;
                }
            } catch (IOException e) {
                last = new RegistryException("no answer from the schema registry at " + base + " to " + method + " /"
                        + path + ": " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryException("interrupted while calling the schema registry at " + base, e);
            }
        }
        throw last;
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration); // a pause between attempts, not a wait for a condition
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException("interrupted while waiting to call the schema registry again", e);
        }
    }

    @Override
    public void close() {
        http.close();
    }

    @Override
    public String toString() {
        return "schema registry at " + base;
    }
}
