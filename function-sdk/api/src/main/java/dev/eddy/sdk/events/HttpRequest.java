package dev.eddy.sdk.events;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A request the HTTP adapter took ({@link AdapterEvents#httpRequests()} reads it). Published as JSON (the
 * default), the event's value is the body as the client sent it and the rest travels in headers, so that a
 * function that takes text or JSON reads the body itself; {@code headers} is then empty.
 *
 * @param method      the HTTP method
 * @param path        the request path
 * @param query       the query parameters (the first value of each); never null
 * @param headers     the request headers without credentials (Avro envelopes only); never null
 * @param contentType the body's media type, or null
 * @param body        the body; never null
 */
public record HttpRequest(String method, String path, Map<String, String> query, Map<String, String> headers,
        String contentType, byte[] body) {

    public HttpRequest {
        query = query == null ? Map.of() : Map.copyOf(query);
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        body = body == null ? new byte[0] : body;
    }

    /** The body as UTF-8 text. */
    public String bodyAsString() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
