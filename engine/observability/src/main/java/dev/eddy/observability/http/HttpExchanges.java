package dev.eddy.observability.http;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What Eddy's HTTP servers (the admin API, the HTTP trigger adapter, the schema registry, the metrics endpoint)
 * do the same way with a request: check its bearer token, read its body within a limit, parse its query, and send
 * an answer. Each server renders a {@link Refused} request in its own error shape.
 *
 * <p>The JDK's server answers {@code Expect: 100-continue} itself before any handler runs, so a client that waits
 * for it sends its body even when the request is then refused. A refused request's body is never kept: what the
 * client still sends is read and dropped, up to a bound, before the answer ({@link #refuse}) — a client that is
 * still sending when the server closes would otherwise see a reset rather than the answer — and the connection is
 * closed after it.
 */
public final class HttpExchanges {

    private static final String BEARER = "Bearer ";
    /** The most of a refused request's body read and dropped before answering; past it the connection is cut. */
    private static final long DRAINED = 64L * 1024 * 1024;

    private HttpExchanges() {
    }

    /** A request that cannot be served as sent: the status to answer, and what was wrong, for the client. */
    public static final class Refused extends Exception {

        private final int status;

        public Refused(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    /**
     * Checks the request's {@code Authorization: Bearer <token>} against the tokens, in constant time (the scheme's
     * case does not matter).
     *
     * @param tokens the tokens that may call, as UTF-8
     * @param how    how a client gets a token, for the answer to one that sent none
     * @throws Refused 401, with {@code WWW-Authenticate: Bearer}, when the token is missing or not one of them
     */
    public static void requireBearer(HttpExchange exchange, Collection<byte[]> tokens, String how) throws Refused {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
            throw new Refused(401, "this endpoint needs 'Authorization: Bearer <token>'; " + how);
        }
        byte[] given = header.substring(BEARER.length()).strip().getBytes(StandardCharsets.UTF_8);
        boolean match = false;
        for (byte[] token : tokens) {
            match |= MessageDigest.isEqual(token, given); // every token compared, each in constant time
        }
        if (!match) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer error=\"invalid_token\"");
            throw new Refused(401, "the bearer token is not one this endpoint takes");
        }
    }

    /**
     * The request's body, read only when it is within the limit: a declared length over it is refused before a byte
     * is read, and a body without one is read up to one byte past the limit.
     *
     * @param limit   the most bytes taken
     * @param setting what sets the limit, for the answer
     * @throws Refused 400 for a {@code Content-Length} that is not a length; 413 for a body over the limit
     */
    public static byte[] body(HttpExchange exchange, long limit, String setting) throws Refused, IOException {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            long length;
            try {
                length = Long.parseLong(declared.strip());
            } catch (NumberFormatException e) {
                length = -1;
            }
            if (length < 0) {
                throw new Refused(400, "Content-Length '" + declared + "' is not a length: a whole number of bytes");
            }
            if (length > limit) {
                throw new Refused(413, "the body has " + length + " bytes; at most " + limit + " are taken ("
                        + setting + ")");
            }
        }
        // Not closed here: a refused body is drained before the answer, and closing the exchange closes it.
        byte[] body = exchange.getRequestBody().readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
        if (body.length > limit) {
            throw new Refused(413, "the body has more than " + limit + " bytes; at most " + limit
                    + " are taken (" + setting + ")");
        }
        return body;
    }

    /**
     * The request's query parameters, decoded (the last of a repeated name wins; a name without a value has "").
     *
     * @throws Refused 400 for a query whose percent-encoding is broken
     */
    public static Map<String, String> query(HttpExchange exchange) throws Refused {
        Map<String, String> query = new LinkedHashMap<>();
        String raw = exchange.getRequestURI().getRawQuery();
        if (raw == null || raw.isEmpty()) {
            return query;
        }
        for (String pair : raw.split("&")) {
            int equals = pair.indexOf('=');
            try {
                String name = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
                String value = equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
                if (!name.isEmpty()) {
                    query.put(name, value);
                }
            } catch (IllegalArgumentException e) {
                throw new Refused(400, "the query '" + raw + "' is not valid URL encoding: " + e.getMessage());
            }
        }
        return query;
    }

    /** Sends an answer with a body (none when {@code body} is empty and the status allows it). */
    public static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        if (contentType != null) {
            exchange.getResponseHeaders().set("Content-Type", contentType);
        }
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** Sends a JSON answer. */
    public static void sendJson(HttpExchange exchange, int status, byte[] json) throws IOException {
        send(exchange, status, "application/json", json);
    }

    /**
     * Sends the answer to a refused request: what is left of its body is read and dropped first (up to 64 MiB), and
     * the connection is closed after the answer.
     */
    public static void refuse(HttpExchange exchange, int status, String contentType, byte[] body)
            throws IOException {
        drain(exchange);
        exchange.getResponseHeaders().set("Connection", "close");
        send(exchange, status, contentType, body);
    }

    private static void drain(HttpExchange exchange) throws IOException {
        InputStream in = exchange.getRequestBody();
        byte[] buffer = new byte[64 * 1024];
        long left = DRAINED;
        int read;
        while (left > 0 && (read = in.read(buffer, 0, (int) Math.min(buffer.length, left))) >= 0) {
            left -= read;
        }
    }
}
