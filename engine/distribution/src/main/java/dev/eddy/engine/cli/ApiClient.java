package dev.eddy.engine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The options and the HTTP calls the function commands share: where the admin API is, and its token. */
final class ApiClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--api", defaultValue = "http://127.0.0.1:8081", paramLabel = "<url>",
            description = "The engine's admin API. Default: the running ./eddy dev's (.eddy/context.properties),"
                    + " else http://127.0.0.1:8081; now ${DEFAULT-VALUE}.")
    URI api;

    @Option(names = "--token", paramLabel = "<token>",
            description = "The admin token. Default: $EDDY_TOKEN, else the running ./eddy dev's (.eddy/admin-token).")
    String token;

    @Option(names = "--ca-cert", paramLabel = "<pem>",
            description = "Trust the certificates in this PEM file (the authority that signed the engine's, or the"
                    + " engine's own) for an https:// API. Default: $EDDY_CA_CERT, else the JDK's trusted ones.")
    Path caCert;

    /** Where the calls go under the API: the functions, unless a command asks for another resource. */
    private String resource = "/v1/functions";

    /** This client, calling another resource of the API ({@code /v1/tokens}). */
    ApiClient at(String path) {
        this.resource = path;
        return this;
    }

    /** A failed call: the message is for the user as it is. */
    static final class ApiException extends Exception {
        private static final long serialVersionUID = 1L;

        ApiException(String message) {
            super(message);
        }
    }

    JsonNode get(String path) throws ApiException {
        return call(request(path).GET());
    }

    JsonNode post(String path, String contentType, byte[] body) throws ApiException {
        return call(request(path).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    JsonNode delete(String path) throws ApiException {
        return call(request(path).DELETE());
    }

    private HttpRequest.Builder request(String path) throws ApiException {
        return HttpRequest.newBuilder(api.resolve(resource + path))
                .timeout(Duration.ofMinutes(2)) // a replacement waits for the running version to drain
                .header("Authorization", "Bearer " + token());
    }

    private JsonNode call(HttpRequest.Builder request) throws ApiException {
        HttpResponse<String> response;
        // Closed after the call: its selector thread, blocked in native code, would hold the JVM's exit up by 0.3 s.
        try (HttpClient http = client()) {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (javax.net.ssl.SSLException e) {
            throw new ApiException("TLS with " + api + " failed (" + e.getMessage() + "): give the authority that"
                    + " signed the engine's certificate with --ca-cert or EDDY_CA_CERT");
        } catch (ConnectException e) {
            throw new ApiException("No engine answers at " + api + ": start one with ./eddy dev, or give --api");
        } catch (IOException e) {
            throw new ApiException("The call to " + api + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException("Interrupted");
        }
        JsonNode body;
        try {
            body = JSON.readTree(response.body());
        } catch (IOException e) {
            throw new ApiException("The engine answered " + response.statusCode() + " with: " + response.body());
        }
        if (response.statusCode() >= 300) {
            throw new ApiException(body.path("error").asText(response.body())
                    + (body.hasNonNull("scope") ? " (missing scope: " + body.get("scope").asText() + ")" : ""));
        }
        return body;
    }

    private HttpClient client() throws ApiException {
        Path authority = caCert;
        if (authority == null && System.getenv("EDDY_CA_CERT") != null && !System.getenv("EDDY_CA_CERT").isBlank()) {
            authority = Path.of(System.getenv("EDDY_CA_CERT"));
        }
        if (authority == null) {
            return HttpClient.newHttpClient();
        }
        try {
            return HttpClient.newBuilder().sslContext(dev.eddy.observability.http.PemTls.trusting(authority)).build();
        } catch (dev.eddy.observability.http.PemTls.Unusable e) {
            throw new ApiException(e.getMessage());
        }
    }

    private String token() throws ApiException {
        if (token != null && !token.isBlank()) {
            return token.trim();
        }
        String env = System.getenv("EDDY_TOKEN");
        if (env != null && !env.isBlank()) {
            return env.trim();
        }
        Path file = CliContext.get(CliContext.TOKEN_FILE).map(Path::of).orElse(tokenFile());
        try {
            return Files.readString(file).trim();
        } catch (IOException e) {
            throw new ApiException("No admin token: give --token, set EDDY_TOKEN, or start ./eddy dev (it writes "
                    + file + ")");
        }
    }

    /** Where ./eddy dev keeps the token it generated. */
    static Path tokenFile() {
        return Path.of(System.getProperty("eddy.home", "."), ".eddy", "admin-token");
    }
}
