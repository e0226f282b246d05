package dev.eddy.engine.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.eddy.engine.EddyException;
import dev.eddy.engine.Engine;
import dev.eddy.engine.FunctionStats;
import dev.eddy.engine.InvalidFunctionException;
import dev.eddy.engine.RunningFunction;
import dev.eddy.engine.manifest.Manifest;
import dev.eddy.engine.state.KeyState;
import dev.eddy.engine.state.StateJson;
import dev.eddy.engine.state.StateQuery;
import dev.eddy.engine.state.StateStores;
import dev.eddy.observability.http.HttpExchanges;
import dev.eddy.sdk.StateSpec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's admin HTTP API, on the JDK's own HTTP server (HTTPS when given a TLS context): deploy, list, status,
 * undeploy and roll back functions. Every request carries {@code Authorization: Bearer <token>}: the engine's admin
 * token, which may do everything, or a scoped one ({@link AccessTokens}) whose role says what it may do — read (list,
 * status), operate (also state, rollback), deploy (also deploy, undeploy) — and to the functions whose names start
 * with its prefix; a list shows it only those. Uploads are bounded before they are read.
 *
 * <pre>
 * POST   /v1/functions                   body: a jar with function.yaml at its root (application/java-archive),
 *                                        a Python or Node.js function's folder zipped (application/zip),
 *                                        or a remote function's function.yaml (application/yaml)
 * GET    /v1/functions                   every function: version, state, inputs, counts
 * GET    /v1/functions/{name}            one function
 * DELETE /v1/functions/{name}            stop it (in-flight records complete and are committed) and forget it
 * POST   /v1/functions/{name}/rollback   back to the version deployed before
 * GET    /v1/functions/{name}/state?cursor=&amp;limit=   a page of the keys with state (limit 1 to 1000, default 100)
 * GET    /v1/functions/{name}/state?key=  one key's state (the key as text, or base64:&lt;bytes&gt;)
 * POST   /v1/tokens                      {"role": "read|operate|deploy", "prefix": "...", "description": "..."}:
 *                                        a scoped token, shown this once (admin token only)
 * GET    /v1/tokens                      the scoped tokens, without their secrets
 * DELETE /v1/tokens/{id}                 revoke one
 * </pre>
 *
 * Errors are JSON {@code {"error": "...", "field": "..."}}: 400 invalid function, 401 no token or a wrong one,
 * 403 a token without the scope (named in {@code "scope"}) or the function outside its prefix, 404 unknown function,
 * 405, 413 upload too large, 415 unknown content type, 422 the handler's constructor or {@code open()} threw (the
 * running version, if any, runs on), 500 a version that failed to start otherwise (the one before runs again).
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PREFIX = "/v1/functions";

    private static final String TOKENS = "/v1/tokens";

    private final HttpServer server;
    private final Engine engine;
    private final Deployments deployments;
    private final byte[] token;
    private final long maxUploadBytes;
    /** The scoped tokens; null when only the admin token opens the API. */
    private final AccessTokens tokens;

    /** Who a request comes from: the admin token, or a scoped token with its role and prefix. */
    private record Caller(String id, AccessTokens.Role role, String prefix) {

        static final Caller ADMIN = new Caller("admin", AccessTokens.Role.ADMIN, "");

        /** Refuses what the caller's role may not do. */
        void require(AccessTokens.Role needed, String doing) throws Forbidden {
            if (role.compareTo(needed) < 0) {
                throw new Forbidden("the token '" + id + "' has the scope '" + role.scope() + "': " + doing
                        + " needs the scope '" + needed.scope() + "'", needed.scope());
            }
        }

        /** Refuses what the caller's role may not do, or to a function outside its prefix. */
        void require(AccessTokens.Role needed, String doing, String function) throws Forbidden {
            require(needed, doing + " '" + function + "'");
            if (!function.startsWith(prefix)) {
                throw new Forbidden("the token '" + id + "' is limited to functions named '" + prefix + "...': "
                        + doing + " '" + function + "' needs the scope '" + needed.scope() + "' on that name",
                        needed.scope() + ":" + function);
            }
        }
    }

    /** A request the caller's token does not allow: 403, naming the scope missing. */
    private static final class Forbidden extends Exception {
        private static final long serialVersionUID = 1L;
        private final String scope;

        Forbidden(String message, String scope) {
            super(message, null, false, false);
            this.scope = scope;
        }
    }

    /**
     * An admin API opened by the admin token alone, over plain HTTP.
     *
     * @param port           the port on {@code host}; 0 picks a free one
     * @param token          the token requests must carry
     * @param maxUploadBytes the largest upload accepted
     */
    public AdminServer(String host, int port, String token, long maxUploadBytes, Engine engine,
            Deployments deployments) throws IOException {
        this(host, port, token, maxUploadBytes, engine, deployments, null, null);
    }

    /**
     * @param port           the port on {@code host}; 0 picks a free one
     * @param token          the admin token, which may do everything
     * @param maxUploadBytes the largest upload accepted
     * @param tokens         the scoped tokens, or null for the admin token alone
     * @param tls            HTTPS with this context, or null for plain HTTP
     */
    public AdminServer(String host, int port, String token, long maxUploadBytes, Engine engine,
            Deployments deployments, AccessTokens tokens, javax.net.ssl.SSLContext tls) throws IOException {
        if (token == null || token.length() < 16) {
            throw new IllegalArgumentException("the admin token must have at least 16 characters");
        }
        this.engine = engine;
        this.deployments = deployments;
        this.token = token.getBytes(StandardCharsets.UTF_8);
        this.maxUploadBytes = maxUploadBytes;
        this.tokens = tokens;
        try {
            if (tls == null) {
                this.server = HttpServer.create(new InetSocketAddress(host, port), 0);
            } else {
                com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(
                        new InetSocketAddress(host, port), 0);
                https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
                this.server = https;
            }
        } catch (java.net.BindException e) {
            throw new EddyException("The admin API cannot listen on " + host + ":" + port + " (" + e.getMessage()
                    + "): another process has the port; choose another (--api-port; 0 picks a free one)", e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext(PREFIX, this::handle);
        server.createContext(TOKENS, this::handle);
        server.start();
    }

    /** A random token of 32 hex characters. */
    public static String newToken() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        // Not try-with-resources: the catch blocks below still answer on the exchange.
        try {
            Caller caller = authenticate(exchange);
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            if (path.equals(TOKENS) || path.startsWith(TOKENS + "/")) {
                caller.require(AccessTokens.Role.ADMIN, "managing tokens");
                tokens(exchange, method, path.length() > TOKENS.length() ? path.substring(TOKENS.length() + 1) : "");
                return;
            }
            if (!path.equals(PREFIX) && !path.startsWith(PREFIX + "/")) {
                error(exchange, 404, "no such resource: " + method + " " + path, null);
                return;
            }
            String rest = path.length() > PREFIX.length() ? path.substring(PREFIX.length() + 1) : "";
            if (rest.isEmpty()) {
                switch (method) {
                    case "POST" -> deploy(exchange, caller);
                    case "GET" -> {
                        caller.require(AccessTokens.Role.READ, "listing functions");
                        list(exchange, caller);
                    }
                    default -> error(exchange, 405, "use GET to list functions or POST to deploy one", null);
                }
            } else if (rest.endsWith("/rollback") && method.equals("POST")) {
                String name = rest.substring(0, rest.length() - "/rollback".length());
                caller.require(AccessTokens.Role.OPERATE, "rolling back", name);
                send(exchange, 200, outcome(deployments.rollback(name)));
            } else if (rest.endsWith("/state") && method.equals("GET")) {
                String name = rest.substring(0, rest.length() - "/state".length());
                caller.require(AccessTokens.Role.OPERATE, "reading the state of", name);
                state(exchange, name);
            } else if (rest.indexOf('/') < 0 && method.equals("GET")) {
                caller.require(AccessTokens.Role.READ, "reading the status of", rest);
                RunningFunction running = engine.function(rest).orElse(null);
                if (running == null) {
                    error(exchange, 404, "no function '" + rest + "' on this engine", null);
                } else {
                    send(exchange, 200, describe(running));
                }
            } else if (rest.indexOf('/') < 0 && method.equals("DELETE")) {
                caller.require(AccessTokens.Role.DEPLOY, "undeploying", rest);
                boolean running = engine.function(rest).isPresent();
                if (deployments.undeploy(rest) || running) {
                    send(exchange, 200, JSON.createObjectNode().put("undeployed", rest));
                } else {
                    error(exchange, 404, "no function '" + rest + "' on this engine", null);
                }
            } else {
                error(exchange, 404, "no such resource: " + method + " " + path, null);
            }
        } catch (HttpExchanges.Refused e) {
            error(exchange, e.status(), e.getMessage(), null);
        } catch (Forbidden e) {
            ObjectNode body = JSON.createObjectNode().put("error", e.getMessage()).put("scope", e.scope);
            HttpExchanges.refuse(exchange, 403, "application/json", JSON.writerWithDefaultPrettyPrinter()
                    .writeValueAsBytes(body));
        } catch (InvalidFunctionException e) {
            error(exchange, 400, e.getMessage(), e.field());
        } catch (Deployments.NothingToRollBackException e) {
            error(exchange, 409, e.getMessage(), null);
        } catch (dev.eddy.engine.FunctionCodeException e) {
            error(exchange, 422, e.getMessage(), "handler");
        } catch (EddyException e) {
            error(exchange, 500, e.getMessage(), null);
        } catch (RuntimeException e) {
            log.error("Admin request {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
            error(exchange, 500, e.toString(), null);
        } finally {
            exchange.close();
        }
    }

    /** The admin token, or a scoped token that is kept and not revoked; 401 otherwise. */
    private Caller authenticate(HttpExchange exchange) throws HttpExchanges.Refused {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        String bearer = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
                ? header.substring(7).strip() : "";
        if (tokens != null && bearer.startsWith("eddy_")) {
            AccessTokens.Token scoped = tokens.check(bearer).orElse(null);
            if (scoped == null) {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer error=\"invalid_token\"");
                throw new HttpExchanges.Refused(401, "the bearer token is not one this engine keeps (revoked, or"
                        + " never made here)");
            }
            return new Caller(scoped.id(), scoped.role(), scoped.prefix());
        }
        HttpExchanges.requireBearer(exchange, List.of(token), "./eddy dev prints the token and keeps it in"
                + " .eddy/admin-token");
        return Caller.ADMIN;
    }

    /** The scoped tokens: made, listed, revoked. */
    private void tokens(HttpExchange exchange, String method, String id) throws IOException,
            HttpExchanges.Refused {
        if (tokens == null) {
            error(exchange, 404, "this engine keeps no scoped tokens: only its admin token opens the API", null);
            return;
        }
        if (id.isEmpty() && method.equals("POST")) {
            com.fasterxml.jackson.databind.JsonNode body;
            try {
                body = JSON.readTree(HttpExchanges.body(exchange, 64 * 1024, "a token's request, at most 64 KiB"));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                error(exchange, 400, "the body is not JSON: " + e.getOriginalMessage(), null);
                return;
            }
            AccessTokens.Role role;
            try {
                role = AccessTokens.Role.of(body.path("role").asText(""));
            } catch (IllegalArgumentException e) {
                error(exchange, 400, e.getMessage(), "role");
                return;
            }
            String prefix = body.path("prefix").asText("");
            if (!prefix.matches("[A-Za-z0-9._-]*")) {
                error(exchange, 400, "the prefix '" + prefix + "' is not the start of a function name: letters,"
                        + " digits, '.', '_' and '-' (empty: every function)", "prefix");
                return;
            }
            Map.Entry<String, AccessTokens.Token> made = tokens.create(role, prefix,
                    body.path("description").asText(""));
            send(exchange, 201, describe(made.getValue()).put("token", made.getKey()));
        } else if (id.isEmpty() && method.equals("GET")) {
            ArrayNode all = JSON.createArrayNode();
            tokens.list().forEach(kept -> all.add(describe(kept)));
            send(exchange, 200, JSON.createObjectNode().set("tokens", all));
        } else if (!id.isEmpty() && id.indexOf('/') < 0 && method.equals("DELETE")) {
            if (tokens.revoke(id)) {
                send(exchange, 200, JSON.createObjectNode().put("revoked", id));
            } else {
                error(exchange, 404, "no token '" + id + "' (./eddy token list shows them)", null);
            }
        } else {
            error(exchange, 404, "no such resource: " + method + " " + TOKENS + (id.isEmpty() ? "" : "/" + id), null);
        }
    }

    private static ObjectNode describe(AccessTokens.Token kept) {
        return JSON.createObjectNode().put("id", kept.id()).put("role", kept.role().scope())
                .put("prefix", kept.prefix()).put("description", kept.description())
                .put("created", kept.created().toString());
    }

    private void deploy(HttpExchange exchange, Caller caller) throws IOException, HttpExchanges.Refused, Forbidden {
        caller.require(AccessTokens.Role.DEPLOY, "deploying");
        byte[] body = HttpExchanges.body(exchange, maxUploadBytes, dev.eddy.engine.EngineConfig.API_MAX_UPLOAD_BYTES);
        String type = String.valueOf(exchange.getRequestHeaders().getFirst("Content-Type"));
        FunctionArchive archive;
        if (type.startsWith("application/java-archive") || type.startsWith("application/zip")) {
            archive = FunctionArchive.ofJar(body);
        } else if (type.startsWith("application/yaml") || type.startsWith("text/yaml")) {
            archive = FunctionArchive.ofManifest(new String(body, StandardCharsets.UTF_8));
        } else {
            error(exchange, 415, "Content-Type " + type + " is not a function: send a jar as application/java-archive"
                    + " or a remote function's manifest as application/yaml", null);
            return;
        }
        caller.require(AccessTokens.Role.DEPLOY, "deploying", archive.manifest().name());
        send(exchange, 201, outcome(deployments.deploy(archive)));
    }

    /** A page of a function's keys, or one key's state. */
    private void state(HttpExchange exchange, String name) throws IOException, HttpExchanges.Refused {
        RunningFunction running = engine.function(name).orElse(null);
        if (running == null) {
            error(exchange, 404, "no function '" + name + "' on this engine", null);
            return;
        }
        Map<String, String> query = HttpExchanges.query(exchange);
        if (running.definition().windowed() != null) {
            String key = query.get("key");
            if (key == null) {
                error(exchange, 400, "a windowed function's state is read a key at a time: ?key=<key>", "key");
                return;
            }
            byte[] keyBytes = java.util.Base64.getUrlDecoder().decode(StateJson.storeKey(key));
            send(exchange, 200, dev.eddy.engine.internal.windows.WindowQuery.of(running.definition(),
                    engine.config(), keyBytes));
            return;
        }
        if (running.definition().state().isEmpty()) {
            error(exchange, 404, "function '" + name + "' declares no keyed state", null);
            return;
        }
        try (StateQuery state = StateStores.query(running.definition(), engine.config(), engine.admin(),
                dev.eddy.engine.internal.dispatch.Ticker.SYSTEM.clock())) {
            String key = query.get("key");
            if (key != null) {
                String storeKey = StateJson.storeKey(key);
                KeyState found = state.read(storeKey).orElse(null);
                if (found == null) {
                    error(exchange, 404, "function '" + name + "' has no state for key '" + key + "'", null);
                } else {
                    send(exchange, 200, StateJson.render(storeKey, found).put("function", name));
                }
                return;
            }
            int limit;
            try {
                limit = Integer.parseInt(query.getOrDefault("limit", "100"));
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > StateQuery.MAX_PAGE) {
                error(exchange, 400, "limit '" + query.get("limit") + "' is not valid: a whole number from 1 to "
                        + StateQuery.MAX_PAGE, "limit");
                return;
            }
            StateQuery.Page page = state.keys(query.get("cursor"), limit);
            ObjectNode body = JSON.createObjectNode().put("function", name)
                    .put("store", running.definition().stateStore().kind());
            ArrayNode keys = body.putArray("keys");
            page.keys().forEach(storeKey -> keys.add(StateJson.displayKey(storeKey)));
            body.put("next", page.next());
            send(exchange, 200, body);
        }
    }

    private void list(HttpExchange exchange, Caller caller) throws IOException {
        ArrayNode functions = JSON.createArrayNode();
        for (RunningFunction running : engine.functions()) {
            if (running.name().startsWith(caller.prefix())) {
                functions.add(describe(running));
            }
        }
        send(exchange, 200, JSON.createObjectNode().set("functions", functions));
    }

    private ObjectNode describe(RunningFunction running) {
        FunctionStats stats = running.stats();
        ObjectNode node = JSON.createObjectNode()
                .put("name", running.name())
                .put("version", running.definition().version())
                .put("state", running.state().name());
        ArrayNode inputs = node.putArray("inputs");
        running.definition().inputs().forEach(inputs::add);
        running.definition().inputPattern().ifPresent(pattern -> node.put("inputPattern", pattern.pattern()));
        ObjectNode outputs = node.putObject("outputs");
        running.definition().outputs().forEach(outputs::put);
        deployments.archive(running.name()).ifPresent(archive -> {
            Manifest manifest = archive.manifest();
            node.put("kind", manifest.isRemote() ? "remote" : manifest.isLanguage()
                            ? manifest.runtime().name().toLowerCase(java.util.Locale.ROOT) : "jar")
                    .put("handler", manifest.isRemote() ? manifest.remoteUrl().toString() : manifest.handlerClass())
                    .put("sha256", archive.sha256());
        });
        node.put("delivery", running.definition().delivery().name())
                .put("ordering", running.definition().ordering().name())
                .put("maxConcurrency", running.definition().maxConcurrency());
        if (running.definition().window() != null) {
            node.put("window", running.definition().window().toString());
        }
        ArrayNode versions = node.putArray("versions");
        deployments.versions(running.name()).forEach(versions::add);
        node.put("assignedPartitions", running.assignedPartitions())
                .put("inputPartitions", running.inputPartitions())
                .put("recordsPerSecond", Math.round(running.throughput() * 10) / 10.0)
                .put("received", stats.received())
                .put("succeeded", stats.succeeded())
                .put("failed", stats.failed())
                .put("retries", stats.retries())
                .put("deadLettered", stats.deadLettered())
                .put("emitted", stats.emitted())
                .put("coldStarts", running.coldStarts())
                .put("workers", running.workerCount())
                .put("desiredWorkers", running.scaling().workers())
                .put("scalingReason", running.scaling().reason());
        if (!running.definition().state().isEmpty()) {
            ObjectNode state = node.putObject("keyedState").put("store", running.definition().stateStore().toString());
            ArrayNode declared = state.putArray("declared");
            for (StateSpec spec : running.definition().state()) {
                ObjectNode piece = declared.addObject().put("name", spec.name())
                        .put("kind", spec instanceof dev.eddy.sdk.MapState<?, ?> ? "map" : "value");
                if (spec.ttl().expires()) {
                    piece.put("ttl", spec.ttl().duration().toString())
                            .put("expires", spec.ttl().afterAccess() ? "after access" : "after write");
                }
            }
            state.put("replaysSkipped", stats.stateReplaysSkipped()).put("expired", stats.stateExpired());
        }
        running.failure().ifPresent(failure -> node.put("failure", failure.getMessage()));
        return node;
    }

    private static ObjectNode outcome(Deployments.Outcome outcome) {
        ObjectNode node = JSON.createObjectNode().put("function", outcome.function()).put("version", outcome.version());
        node.put("previousVersion", outcome.previousVersion());
        node.put("state", outcome.running().state().name());
        return node;
    }

    private static void error(HttpExchange exchange, int status, String message, String field) throws IOException {
        ObjectNode body = JSON.createObjectNode().put("error", message);
        if (field != null) {
            body.put("field", field);
        }
        HttpExchanges.refuse(exchange, status, "application/json", JSON.writerWithDefaultPrettyPrinter()
                .writeValueAsBytes(body));
    }

    private static void send(HttpExchange exchange, int status, Object body) throws IOException {
        HttpExchanges.sendJson(exchange, status, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(body));
    }

    @Override
    public void close() {
        server.stop(1);
    }

    /** For the log: where the API listens, without the token. */
    @Override
    public String toString() {
        return "admin API at " + (server instanceof com.sun.net.httpserver.HttpsServer ? "https" : "http") + "://"
                + server.getAddress().getHostString() + ":" + port() + PREFIX;
    }
}
