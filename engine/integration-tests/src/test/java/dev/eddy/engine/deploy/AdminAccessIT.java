package dev.eddy.engine.deploy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eddy.engine.Engine;
import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.manifest.FunctionFactory;
import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.TestKafka;
import dev.eddy.observability.http.PemTls;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin API's scoped tokens, over HTTPS: every route tried with a token of each role and with one of another
 * prefix — each refusal a 403 naming the scope missing, each allowed call done — and the command line reaching the
 * API over TLS with the authority it is given.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class AdminAccessIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN = "0123456789abcdef0123456789abcdef";

    /** One admin route: what it does and the role it needs. */
    private record Route(String doing, AccessTokens.Role needs) {
    }

    private HttpClient http;
    private String base;
    private String prefix;
    private String input;
    private final java.util.concurrent.atomic.AtomicInteger versions = new java.util.concurrent.atomic.AtomicInteger();

    @Test
    void shouldAllowEachRoleItsRoutesAndRefuseTheRestNamingTheScope(TestKafka kafka, @TempDir Path dir)
            throws Exception {
        Path certificate = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key.toString(),
                "-out", certificate.toString()).redirectErrorStream(true).start();
        assertTrue(openssl.waitFor(60, TimeUnit.SECONDS) && openssl.exitValue() == 0,
                new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        Map<String, Object> settings = Map.of(EngineConfig.API_TLS_CERTIFICATE, certificate.toString(),
                EngineConfig.API_TLS_KEY, key.toString());
        prefix = kafka.uniqueName("team-a") + "-";
        input = kafka.newTopic("in", 2);
        try (Engine engine = new Engine(kafka.engineConfig(settings), new SimpleMeterRegistry());
                FunctionStore store = new FunctionStore(engine.config(), engine.admin());
                Deployments deployments = new Deployments(engine, new FunctionFactory(System::getenv),
                        dir.resolve("functions"), store);
                AccessTokens tokens = new AccessTokens(engine.config(), engine.admin());
                AdminServer admin = new AdminServer("127.0.0.1", 0, ADMIN, 1024 * 1024, engine, deployments, tokens,
                        engine.config().apiTls())) {
            http = HttpClient.newBuilder().sslContext(PemTls.trusting(certificate)).build();
            base = "https://127.0.0.1:" + admin.port();
            String function = prefix + "counter";
            assertEquals(201, deploy(function, ADMIN).statusCode());
            kafka.produce(List.of(new ProducerRecord<>(input, "k".getBytes(StandardCharsets.UTF_8),
                    "v".getBytes(StandardCharsets.UTF_8))));
            await().atMost(Duration.ofSeconds(60)).until(() -> kafka.committedSum("eddy-" + function, input) == 1);

            Map<String, String> made = new LinkedHashMap<>();
            for (String role : List.of("read", "operate", "deploy")) {
                made.put(role, token(role, prefix));
            }
            String otherPrefix = token("deploy", kafka.uniqueName("team-b") + "-");

            List<Route> routes = List.of(new Route("list", AccessTokens.Role.READ),
                    new Route("status", AccessTokens.Role.READ), new Route("state", AccessTokens.Role.OPERATE),
                    new Route("rollback", AccessTokens.Role.OPERATE), new Route("deploy", AccessTokens.Role.DEPLOY),
                    new Route("undeploy", AccessTokens.Role.DEPLOY), new Route("tokens", AccessTokens.Role.ADMIN),
                    new Route("make a token", AccessTokens.Role.ADMIN),
                    new Route("revoke a token", AccessTokens.Role.ADMIN));
            List<String> refusals = new ArrayList<>();
            int allowed = 0;
            for (Map.Entry<String, String> token : made.entrySet()) {
                AccessTokens.Role role = AccessTokens.Role.of(token.getKey());
                for (Route route : routes) {
                    HttpResponse<String> answer = call(route.doing(), function, token.getValue());
                    if (role.compareTo(route.needs()) >= 0) {
                        assertTrue(answer.statusCode() < 300, token.getKey() + " may " + route.doing() + ": "
                                + answer.statusCode() + " " + answer.body());
                        allowed++;
                    } else {
                        assertEquals(403, answer.statusCode(), token.getKey() + " " + route.doing() + ": "
                                + answer.body());
                        JsonNode body = JSON.readTree(answer.body());
                        assertEquals(route.needs().scope(), body.get("scope").asText(), answer.body());
                        assertTrue(body.get("error").asText().contains("needs the scope '" + route.needs().scope()
                                + "'"), answer.body());
                        refusals.add(token.getKey() + " " + route.doing());
                    }
                }
            }
            // A token of another prefix: the list shows it nothing of ours, the rest is refused by name.
            JsonNode listed = JSON.readTree(call("list", function, otherPrefix).body());
            assertEquals(0, listed.get("functions").size(), listed.toString());
            for (Route route : routes.subList(1, 6)) {
                HttpResponse<String> answer = call(route.doing(), function, otherPrefix);
                assertEquals(403, answer.statusCode(), "another prefix, " + route.doing() + ": " + answer.body());
                assertEquals(route.needs().scope() + ":" + function,
                        JSON.readTree(answer.body()).get("scope").asText(), answer.body());
                refusals.add("other prefix " + route.doing());
            }
            System.out.printf("[access] %d calls allowed, %d refused with the scope named%n", allowed,
                    refusals.size());
            assertEquals(2 + 4 + 6, allowed, "read: 2, operate: 4, deploy: 6 routes, each done");
            assertEquals(7 + 5 + 3 + 5, refusals.size(), refusals.toString());

            // Revoked: refused at once.
            String revoked = made.get("read");
            String id = revoked.substring(5, 13);
            assertEquals(200, send(HttpRequest.newBuilder(URI.create(base + "/v1/tokens/" + id)).DELETE(), ADMIN)
                    .statusCode());
            assertEquals(401, call("list", function, revoked).statusCode());

            // The command line over TLS, trusting the certificate it is given; without it, told what to give.
            String api = base;
            String shown = CommandLines.ok("list", "--api", api, "--token", made.get("deploy"), "--ca-cert",
                    certificate.toString());
            assertTrue(shown.contains(function), shown);
            String refused = CommandLines.failing("list", "--api", api, "--token", made.get("deploy"));
            assertTrue(refused.contains("--ca-cert"), refused);
            String madeByCli = CommandLines.ok("token", "create", "--role", "read", "--prefix", prefix, "--api", api,
                    "--token", ADMIN, "--ca-cert", certificate.toString());
            assertTrue(madeByCli.strip().matches("eddy_[0-9a-f]{8}_[0-9a-f]{32}"), madeByCli);
            String forbidden = CommandLines.failing("undeploy", function, "--api", api, "--token", madeByCli.strip(),
                    "--ca-cert", certificate.toString());
            assertTrue(forbidden.contains("(missing scope: deploy)"), forbidden);
        }
    }

    /** Makes a scoped token with the admin token. */
    private String token(String role, String limitedTo) throws Exception {
        HttpResponse<String> made = send(HttpRequest.newBuilder(URI.create(base + "/v1/tokens"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"role\": \"" + role + "\", \"prefix\": \"" + limitedTo + "\"}")), ADMIN);
        assertEquals(201, made.statusCode(), made.body());
        return JSON.readTree(made.body()).get("token").asText();
    }

    /**
     * One route with a token. Before a rollback the admin token deploys a version to roll back from; after an
     * undeploy it deploys the function again, so that each call finds what it needs.
     */
    private HttpResponse<String> call(String doing, String function, String token) throws Exception {
        String functions = base + "/v1/functions";
        return switch (doing) {
            case "list" -> send(HttpRequest.newBuilder(URI.create(functions)).GET(), token);
            case "status" -> send(HttpRequest.newBuilder(URI.create(functions + "/" + function)).GET(), token);
            case "state" -> send(HttpRequest.newBuilder(URI.create(functions + "/" + function + "/state?key=k"))
                    .GET(), token);
            case "rollback" -> {
                assertEquals(201, deploy(function, ADMIN).statusCode());
                yield send(HttpRequest.newBuilder(URI.create(functions + "/" + function + "/rollback"))
                        .POST(HttpRequest.BodyPublishers.noBody()), token);
            }
            case "deploy" -> deploy(function, token);
            case "undeploy" -> {
                HttpResponse<String> answer = send(HttpRequest.newBuilder(URI.create(functions + "/" + function))
                        .DELETE(), token);
                if (answer.statusCode() == 200) {
                    assertEquals(201, deploy(function, ADMIN).statusCode());
                }
                yield answer;
            }
            case "tokens" -> send(HttpRequest.newBuilder(URI.create(base + "/v1/tokens")).GET(), token);
            case "make a token" -> send(HttpRequest.newBuilder(URI.create(base + "/v1/tokens"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"role\": \"deploy\"}")), token);
            case "revoke a token" -> send(HttpRequest.newBuilder(URI.create(base + "/v1/tokens/00000000")).DELETE(),
                    token);
            default -> throw new IllegalArgumentException(doing);
        };
    }

    private HttpResponse<String> deploy(String function, String token) throws Exception {
        String version = String.valueOf(versions.incrementAndGet());
        String manifest = "name: " + function + "\nversion: \"" + version + "\"\nhandler: "
                + KeyCounter.class.getName() + "\ninputs: [" + input + "]\nstate: {store: kafka}\n";
        return send(HttpRequest.newBuilder(URI.create(base + "/v1/functions"))
                .header("Content-Type", "application/java-archive").POST(HttpRequest.BodyPublishers.ofByteArray(
                        FunctionJars.jar(manifest, Map.of(), KeyCounter.class))), token);
    }

    private HttpResponse<String> send(HttpRequest.Builder request, String token) throws Exception {
        return http.send(request.header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
