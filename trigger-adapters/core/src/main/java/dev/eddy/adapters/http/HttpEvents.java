package dev.eddy.adapters.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import dev.eddy.schemas.events.Envelope;
import dev.eddy.schemas.events.HttpRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Turns an HTTP request into events, as the CloudEvents HTTP binding reads them: structured mode (a {@code
 * application/cloudevents+json} body), binary mode ({@code ce-*} headers, the body the data), a batch ({@code
 * application/cloudevents-batch+json}, or a JSON array of plain values), or a plain body. Each event's data is the
 * request as it came ({@link HttpRequest}), with the event's own data as the body.
 */
final class HttpEvents {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Headers not kept with an event: credentials. */
    private static final Set<String> PRIVATE = Set.of("authorization", "cookie", "proxy-authorization");
    static final String STRUCTURED = "application/cloudevents+json";
    static final String BATCH = "application/cloudevents-batch+json";

    /** A request that is not what the endpoint takes: answered 400 with this message. */
    static final class BadRequest extends Exception {
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message);
        }
    }

    /** What a request is made of, for one event or many. */
    record Request(String path, Map<String, String> query, Headers headers, byte[] body, String remoteAddress,
            String sourceBase) {
    }

    private HttpEvents() {
    }

    /**
     * The events of one request.
     *
     * @param idempotencyKey the request's key, or null: events made without ids of their own take ids from it, so
     *                       that a retry makes the same ids
     */
    static List<Envelope> read(Request request, boolean batch, String idempotencyKey) throws BadRequest {
        String contentType = mediaType(request.headers().getFirst("Content-Type"));
        if (batch) {
            JsonNode array = parse(request.body(), "a batch");
            if (!array.isArray()) {
                throw new BadRequest("a batch is a JSON array of events; this body is a JSON " + kind(array));
            }
            if (array.isEmpty()) {
                throw new BadRequest("the batch is empty");
            }
            List<Envelope> events = new ArrayList<>();
            for (int i = 0; i < array.size(); i++) {
                String id = idempotencyKey == null ? null : idempotencyKey + "-" + i;
                events.add(BATCH.equals(contentType) ? structured(request, array.get(i), "event " + i)
                        : plain(request, json(array.get(i)), "application/json", id));
            }
            return events;
        }
        if (STRUCTURED.equals(contentType)) {
            return List.of(structured(request, parse(request.body(), "a CloudEvent"), "the event"));
        }
        if (request.headers().getFirst("ce-specversion") != null) {
            return List.of(binary(request, contentType));
        }
        return List.of(plain(request, request.body(), request.headers().getFirst("Content-Type"), idempotencyKey));
    }

    private static Envelope plain(Request request, byte[] body, String contentType, String id) {
        return Envelope.newBuilder()
                .setId(id != null ? id : UUID.randomUUID().toString())
                .setSource(request.sourceBase() + request.path())
                .setType("dev.eddy.http.request")
                .setTime(Instant.now())
                .setSubject(request.query().get("key"))
                .setData(data(request, body, contentType))
                .build();
    }

    private static Envelope binary(Request request, String contentType) throws BadRequest {
        Headers headers = request.headers();
        if (!"1.0".equals(headers.getFirst("ce-specversion"))) {
            throw new BadRequest("ce-specversion is '" + headers.getFirst("ce-specversion") + "': only 1.0 is read");
        }
        return Envelope.newBuilder()
                .setId(required(headers.getFirst("ce-id"), "the ce-id header"))
                .setSource(required(headers.getFirst("ce-source"), "the ce-source header"))
                .setType(required(headers.getFirst("ce-type"), "the ce-type header"))
                .setTime(time(headers.getFirst("ce-time"), "the ce-time header"))
                .setSubject(headers.getFirst("ce-subject"))
                .setData(data(request, request.body(), headers.getFirst("Content-Type")))
                .build();
    }

    private static Envelope structured(Request request, JsonNode event, String what) throws BadRequest {
        if (!event.isObject()) {
            throw new BadRequest(what + " is a JSON " + kind(event) + ", not a CloudEvent object");
        }
        if (!"1.0".equals(event.path("specversion").asText(null))) {
            throw new BadRequest(what + ": specversion is " + event.path("specversion") + "; a CloudEvent 1.0 has"
                    + " \"specversion\": \"1.0\"");
        }
        byte[] data;
        String contentType = event.path("datacontenttype").asText(null);
        if (event.has("data_base64")) {
            try {
                data = Base64.getDecoder().decode(event.get("data_base64").asText());
            } catch (IllegalArgumentException e) {
                throw new BadRequest(what + ": data_base64 is not base64");
            }
        } else if (event.has("data")) {
            JsonNode value = event.get("data");
            data = value.isTextual() && contentType != null && !contentType.contains("json")
                    ? value.asText().getBytes(StandardCharsets.UTF_8) : json(value);
            if (contentType == null) {
                contentType = "application/json";
            }
        } else {
            data = new byte[0];
        }
        return Envelope.newBuilder()
                .setId(required(text(event, "id"), what + "'s id"))
                .setSource(required(text(event, "source"), what + "'s source"))
                .setType(required(text(event, "type"), what + "'s type"))
                .setTime(time(text(event, "time"), what + "'s time"))
                .setSubject(text(event, "subject"))
                .setData(data(request, data, contentType))
                .build();
    }

    private static HttpRequest data(Request request, byte[] body, String contentType) {
        Map<String, String> headers = new LinkedHashMap<>();
        request.headers().forEach((name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!PRIVATE.contains(lower)) {
                headers.put(lower, String.join(", ", values));
            }
        });
        return HttpRequest.newBuilder().setMethod("POST").setPath(request.path()).setQuery(request.query())
                .setHeaders(headers).setContentType(contentType).setBody(ByteBuffer.wrap(body))
                .setRemoteAddress(request.remoteAddress()).build();
    }

    private static String text(JsonNode event, String field) {
        JsonNode value = event.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static String required(String value, String what) throws BadRequest {
        if (value == null || value.isBlank()) {
            throw new BadRequest(what + " is missing: a CloudEvent has an id, a source and a type");
        }
        return value;
    }

    private static Instant time(String value, String what) throws BadRequest {
        if (value == null) {
            return Instant.now();
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new BadRequest(what + " is '" + clean(value) + "': it must be an RFC 3339 time such as"
                    + " 2026-11-27T10:15:30Z");
        }
    }

    private static JsonNode parse(byte[] body, String what) throws BadRequest {
        try {
            JsonNode node = JSON.readTree(body);
            if (node == null) {
                throw new BadRequest("the body is empty; it must be " + what + " in JSON");
            }
            return node;
        } catch (IOException e) {
            throw new BadRequest("the body is not JSON (it must be " + what + "): " + clean(e.getMessage()
                    .lines().findFirst().orElse("")));
        }
    }

    private static byte[] json(JsonNode value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String kind(JsonNode node) {
        return node.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    /** The media type without its parameters, in lower case; null for none. */
    static String mediaType(String contentType) {
        if (contentType == null) {
            return null;
        }
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
    }

    static String clean(String text) {
        String printable = text.replaceAll("\\p{Cntrl}", "?");
        return printable.length() > 120 ? printable.substring(0, 120) + "…" : printable;
    }
}
