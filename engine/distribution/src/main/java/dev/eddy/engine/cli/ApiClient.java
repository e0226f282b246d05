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
        return call(request(path).header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    JsonNode delete(String path) throws ApiException {
        return call(request(path).DELETE());
    }

    private HttpRequest.Builder request(String path) throws ApiException {
        return HttpRequest.newBuilder(api.resolve("/v1/functions" + path))
                .timeout(Duration.ofMinutes(2)) // a replacement waits for the running version to drain
                .header("Authorization", "Bearer " + token());
    }

    private JsonNode call(HttpRequest.Builder request) throws ApiException {
        HttpResponse<String> response;
        // Closed after the call: its selector thread, blocked in native code, would hold the JVM's exit up by 0.3 s.
        try (HttpClient http = HttpClient.newHttpClient()) {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
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
            throw new ApiException(body.path("error").asText(response.body()));
        }
        return body;
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
