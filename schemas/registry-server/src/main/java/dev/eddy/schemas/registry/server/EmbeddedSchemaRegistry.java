package dev.eddy.schemas.registry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.eddy.engine.EddyException;
import dev.eddy.engine.EngineConfig;
import dev.eddy.observability.http.HttpExchanges;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.apache.kafka.clients.admin.Admin;

/**
 * A schema registry with the Confluent REST API (what its clients, and Confluent's own, use): the HTTP surface over a
 * {@link SchemaLog}, where the schemas live (a compacted Kafka topic every registry on the same Kafka follows, so
 * they survive restarts and any number of registries serve the same schemas under the same ids), with the rules of
 * {@link Compatibility} (Avro's own {@code SchemaCompatibility}). Errors come in the Confluent format
 * ({@code {"error_code": 40401, "message": "..."}}). Avro only.
 *
 * <pre>
 * GET  /subjects                                   GET  /schemas/ids/{id}
 * GET  /subjects/{s}/versions                      GET  /schemas/ids/{id}/versions
 * GET  /subjects/{s}/versions/{v|latest}[/schema]  GET  /schemas/types
 * POST /subjects/{s}/versions   (register)         POST /compatibility/subjects/{s}/versions/{v|latest}
 * POST /subjects/{s}            (look up)          GET|PUT /config, /config/{s}
 * DELETE /subjects/{s}, /subjects/{s}/versions/{v|latest}   (soft; ?permanent=true once soft-deleted)
 * </pre>
 * The reads take {@code ?deleted=true} to see soft-deleted subjects and versions, as Confluent's do.
 */
public final class EmbeddedSchemaRegistry implements AutoCloseable {

    /** Where the schemas are kept. */
    public static final String TOPIC = SchemaLog.TOPIC;
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final long MAX_BODY_BYTES = 16 * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SchemaLog log;
    private final HttpServer server;

    /**
     * Creates the topic if missing, reads it whole, and starts serving.
     *
     * @param port the port on {@code host}; 0 picks a free one
     */
    public EmbeddedSchemaRegistry(EngineConfig config, Admin admin, String host, int port) throws IOException {
        this.log = new SchemaLog(config, admin);
        try {
            this.server = HttpServer.create(new InetSocketAddress(host, port), 0);
        } catch (java.net.BindException e) {
            log.close();
            throw new EddyException("The schema registry cannot listen on " + host + ":" + port + " (" + e.getMessage()
                    + "): another process has the port", e);
        } catch (IOException | RuntimeException e) {
            log.close();
            throw e;
        }
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

    private void handle(HttpExchange exchange) throws IOException {
        try {
            String[] path = segments(exchange.getRequestURI().getRawPath());
            String method = exchange.getRequestMethod();
            send(exchange, 200, route(method, path, exchange));
        } catch (RegistryError e) {
            send(exchange, e.status(), JSON.createObjectNode().put("error_code", e.code()).put("message", e.getMessage()));
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
                boolean deleted = "true".equals(query(exchange).get("deleted"));
                boolean permanent = "true".equals(query(exchange).get("permanent"));
                if (path.length == 1 && method.equals("GET")) {
                    return JSON.valueToTree(log.subjects(deleted));
                }
                String subject = path[1];
                if (path.length == 2 && method.equals("POST")) {
                    return describe(log.lookup(subject, schema(exchange), deleted));
                }
                if (path.length == 2 && method.equals("DELETE")) {
                    return JSON.valueToTree(log.deleteSubject(subject, permanent));
                }
                if (path.length == 4 && path[2].equals("versions") && method.equals("DELETE")) {
                    return JSON.getNodeFactory().numberNode(log.deleteVersion(subject, path[3], permanent));
                }
                if (path.length == 3 && path[2].equals("versions") && method.equals("POST")) {
                    return JSON.createObjectNode().put("id", log.register(subject, schema(exchange)));
                }
                if (path.length == 3 && path[2].equals("versions") && method.equals("GET")) {
                    ArrayNode versions = JSON.createArrayNode();
                    log.versionsOf(subject, deleted).keySet().forEach(versions::add);
                    return versions;
                }
                if (path.length >= 4 && path[2].equals("versions") && method.equals("GET")) {
                    SchemaLog.Version version = log.version(subject, path[3], deleted);
                    if (path.length == 5 && path[4].equals("schema")) {
                        return JSON.readTree(version.schema().toString());
                    }
                    return describe(version);
                }
            }
            case "schemas" -> {
                if (path.length == 2 && path[1].equals("types") && method.equals("GET")) {
                    return JSON.createArrayNode().add("AVRO");
                }
                if (path.length >= 3 && path[1].equals("ids") && method.equals("GET")) {
                    int id = RegistryError.number(path[2], "schema id");
                    Schema schema = log.schemaById(id);
                    if (path.length == 4 && path[3].equals("versions")) {
                        ArrayNode uses = JSON.createArrayNode();
                        boolean deleted = "true".equals(query(exchange).get("deleted"));
                        log.usesOf(id, deleted).forEach(v -> uses.addObject().put("subject", v.subject())
                                .put("version", v.version()));
                        return uses;
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
                    return JSON.createObjectNode().put("compatibilityLevel", log.level(subject,
                            subject.isEmpty() || "true".equals(query(exchange).get("defaultToGlobal"))).name());
                }
                if (method.equals("PUT")) {
                    JsonNode body = JSON.readTree(body(exchange));
                    Compatibility level = Compatibility.parse(body.path("compatibility").asText(null));
                    log.setLevel(subject, level);
                    return JSON.createObjectNode().put("compatibility", level.name());
                }
            }
            default -> {
            }
        }
        throw new RegistryError(404, 404, "no such resource: " + method + " /" + String.join("/", path));
    }

    private JsonNode compatibility(String subject, String which, Schema schema) {
        List<Schema> against = log.against(subject, which);
        List<String> broken = against.isEmpty() ? List.of() : log.level(subject, true).check(schema, against);
        ObjectNode answer = JSON.createObjectNode().put("is_compatible", broken.isEmpty());
        if (!against.isEmpty()) {
            ArrayNode messages = answer.putArray("messages");
            broken.forEach(messages::add);
        }
        return answer;
    }

    private static JsonNode describe(SchemaLog.Version version) {
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
        server.stop(0);
        log.close();
    }
}
